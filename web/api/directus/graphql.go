package directus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// graphqlRequest is the body of POST /graphql/system.
type graphqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// gqlArgSpec describes one argument of a mutation; all are Strings except
// mode, an enum (json, cookie, session).
type gqlArgSpec struct {
	required bool
	enum     bool
}

// gqlMutation is one supported mutation field: its arguments and its
// result type (Boolean or an object type with its fields).
type gqlMutation struct {
	args   map[string]gqlArgSpec
	object []string // nil: Boolean
	ec     errContext
}

var (
	argStr, argReqStr, argMode = gqlArgSpec{}, gqlArgSpec{required: true}, gqlArgSpec{enum: true}
	authTokenFields            = []string{"access_token", "expires", "refresh_token"}
	gqlMutations               = map[string]gqlMutation{
		"auth_login":            {args: map[string]gqlArgSpec{"email": argReqStr, "password": argReqStr, "mode": argMode, "otp": argStr}, object: authTokenFields},
		"auth_refresh":          {args: map[string]gqlArgSpec{"refresh_token": argStr, "mode": argMode}, object: authTokenFields, ec: ctxRefresh},
		"auth_logout":           {args: map[string]gqlArgSpec{"refresh_token": argStr, "mode": argMode}},
		"auth_password_request": {args: map[string]gqlArgSpec{"email": argReqStr, "reset_url": argStr}},
		"auth_password_reset":   {args: map[string]gqlArgSpec{"token": argReqStr, "password": argReqStr}, ec: ctxToken},
		"users_me_tfa_generate": {args: map[string]gqlArgSpec{"password": argReqStr}, object: []string{"secret", "otpauth_url"}},
		"users_me_tfa_enable":   {args: map[string]gqlArgSpec{"secret": argReqStr, "otp": argReqStr}},
		"users_me_tfa_disable":  {args: map[string]gqlArgSpec{"otp": argReqStr}},
	}
)

// gqlValidation is a document that parses but does not fit the schema.
func gqlValidation(format string, args ...any) error {
	return payloadError(fmt.Sprintf(format, args...))
}

// graphqlSystem is POST /graphql/system (seed 003, the GraphQL examples):
// one auth mutation per request. A body that is not a GraphQL request is 400
// INVALID_PAYLOAD; syntax, validation and execution errors answer 200 with
// {"errors":[…]} and the same codes as REST (syntax and validation errors
// use INVALID_PAYLOAD).
func graphqlSystem(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req graphqlRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		if strings.TrimSpace(req.Query) == "" {
			return respondError(c, d, api.FieldProblem("query", "Must provide query string."))
		}
		key, field, m, args, err := gqlPrepare(req)
		if err != nil {
			return gqlError(c, d, err, ctxCredentials)
		}
		val, err := gqlExecute(c, d, field.name, args)
		if err != nil {
			return gqlError(c, d, err, m.ec)
		}
		var out bytes.Buffer
		out.WriteString(`{"data":{`)
		writeJSON(&out, key)
		out.WriteByte(':')
		gqlWriteResult(&out, field, val)
		out.WriteString(`}}`)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(out.Bytes())
	}
}

// gqlPrepare parses the document, picks the operation and validates its
// one mutation field and arguments against the schema.
func gqlPrepare(req graphqlRequest) (string, gqlField, gqlMutation, map[string]string, error) {
	var none gqlMutation
	ops, err := gqlParse(req.Query)
	if err != nil {
		return "", gqlField{}, none, nil, payloadError(err.Error())
	}
	op, err := pickOperation(ops, req.OperationName)
	if err != nil {
		return "", gqlField{}, none, nil, err
	}
	if op.kind != "mutation" {
		return "", gqlField{}, none, nil, gqlValidation("Only mutations are served here (%s); %s operations are not supported.", mutationNames(), op.kind)
	}
	if len(op.sel) != 1 {
		return "", gqlField{}, none, nil, gqlValidation("Send exactly one mutation field per request.")
	}
	f := op.sel[0]
	m, ok := gqlMutations[f.name]
	if !ok {
		return "", gqlField{}, none, nil, gqlValidation("Cannot query field %q on type \"Mutation\".", f.name)
	}
	if err := checkSelection(f, m); err != nil {
		return "", gqlField{}, none, nil, err
	}
	args, err := resolveArgs(f, m, op, req.Variables)
	return f.alias, f, m, args, err
}

func pickOperation(ops []gqlOp, name string) (gqlOp, error) {
	if name == "" {
		if len(ops) > 1 {
			return gqlOp{}, gqlValidation("Must provide operation name if query contains multiple operations.")
		}
		return ops[0], nil
	}
	for _, op := range ops {
		if op.name == name {
			return op, nil
		}
	}
	return gqlOp{}, gqlValidation("Unknown operation named %q.", name)
}

func mutationNames() string {
	names := make([]string, 0, len(gqlMutations))
	for n := range gqlMutations {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func checkSelection(f gqlField, m gqlMutation) error {
	if m.object == nil {
		if f.hasSel {
			return gqlValidation("Field %q must not have a selection since type \"Boolean\" has no subfields.", f.name)
		}
		return nil
	}
	if !f.hasSel {
		return gqlValidation("Field %q of an object type must have a selection of subfields, e.g. \"%s { %s }\".", f.name, f.name, strings.Join(m.object, " "))
	}
	for _, s := range f.sel {
		if s.hasSel || len(s.args) > 0 {
			return gqlValidation("Field %q takes no arguments or subfields.", s.name)
		}
		if s.name != "__typename" && !slices.Contains(m.object, s.name) {
			return gqlValidation("Cannot query field %q on the result of %q.", s.name, f.name)
		}
	}
	return nil
}

// resolveArgs turns the field's arguments (literals and $variables) into
// strings; null and absent values are left out.
func resolveArgs(f gqlField, m gqlMutation, op gqlOp, vars map[string]any) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	for _, a := range f.args {
		spec, ok := m.args[a.name]
		if !ok {
			return nil, gqlValidation("Unknown argument %q on field %q.", a.name, f.name)
		}
		if seen[a.name] {
			return nil, gqlValidation("There can be only one argument named %q.", a.name)
		}
		seen[a.name] = true
		v, present, err := argValue(a, spec, op, vars)
		if err != nil {
			return nil, err
		}
		if present {
			out[a.name] = v
		}
	}
	for name, spec := range m.args {
		if _, ok := out[name]; spec.required && !ok {
			return nil, gqlValidation("Field %q argument %q of type \"String!\" is required, but it was not provided.", f.name, name)
		}
	}
	return out, nil
}

func argValue(a gqlArg, spec gqlArgSpec, op gqlOp, vars map[string]any) (string, bool, error) {
	v := a.val
	if v.kind == valVariable {
		def, ok := findVar(op, v.str)
		if !ok {
			return "", false, gqlValidation("Variable \"$%s\" is not defined.", v.str)
		}
		raw, given := vars[v.str]
		switch s, isStr := raw.(string); {
		case given && raw == nil:
			return "", false, nil
		case given && isStr:
			return s, true, nil
		case given:
			return "", false, gqlValidation("Variable \"$%s\" got invalid value; a string is expected.", v.str)
		case def.def == nil:
			return "", false, nil
		}
		v = *def.def
	}
	switch {
	case v.kind == valNull:
		return "", false, nil
	case v.kind == valString:
		return v.str, true, nil
	case v.kind == valEnum && spec.enum:
		return v.str, true, nil
	}
	want := "String"
	if spec.enum {
		want = "auth_mode (json, cookie, session)"
	}
	return "", false, gqlValidation("Argument %q has an invalid value: %s expected.", a.name, want)
}

func findVar(op gqlOp, name string) (gqlVarDef, bool) {
	for _, d := range op.vars {
		if d.name == name {
			return d, true
		}
	}
	return gqlVarDef{}, false
}

// gqlExecute runs one mutation through the same code as its REST route and
// returns a Boolean, an authTokens or a tfaSecret.
func gqlExecute(c *fiber.Ctx, d api.Deps, name string, a map[string]string) (any, error) {
	switch name {
	case "auth_login":
		res, err := doLogin(c, d, loginRequest{Email: a["email"], Password: a["password"], OTP: a["otp"], Mode: a["mode"]})
		return res.data, err
	case "auth_refresh":
		res, err := doRefresh(c, d, refreshRequest{RefreshToken: a["refresh_token"], Mode: a["mode"]})
		return res.data, err
	case "auth_logout":
		return true, doLogout(c, d, logoutRequest{RefreshToken: a["refresh_token"], Mode: a["mode"]})
	case "auth_password_request":
		return true, requestReset(c, d, passwordRequest{Email: a["email"], ResetURL: a["reset_url"]})
	case "auth_password_reset":
		return true, resetPassword(c, d, passwordReset{Token: a["token"], Password: a["password"]})
	case "users_me_tfa_generate":
		return generateTOTP(c, d, tfaGenerateRequest{Password: a["password"]})
	case "users_me_tfa_enable":
		return true, enableTOTP(c, d, tfaEnableRequest{Secret: a["secret"], OTP: a["otp"]})
	case "users_me_tfa_disable":
		return true, disableTOTP(c, d, tfaDisableRequest{OTP: a["otp"]})
	}
	return nil, &auth.Error{Code: auth.EINTERNAL, Message: "unknown mutation " + name}
}

// gqlWriteResult writes the field's value with only the selected subfields,
// in selection order.
func gqlWriteResult(out *bytes.Buffer, f gqlField, val any) {
	if !f.hasSel {
		writeJSON(out, val)
		return
	}
	var fields map[string]any
	switch v := val.(type) {
	case authTokens:
		fields = map[string]any{"access_token": nil, "expires": v.Expires, "refresh_token": nil, "__typename": "auth_tokens"}
		if v.AccessToken != "" {
			fields["access_token"] = v.AccessToken
		}
		if v.RefreshToken != "" {
			fields["refresh_token"] = v.RefreshToken
		}
	case tfaSecret:
		fields = map[string]any{"secret": v.Secret, "otpauth_url": v.OTPAuthURL, "__typename": "users_me_tfa_generate_data"}
	}
	out.WriteByte('{')
	for i, s := range f.sel {
		if i > 0 {
			out.WriteByte(',')
		}
		writeJSON(out, s.alias)
		out.WriteByte(':')
		writeJSON(out, fields[s.name])
	}
	out.WriteByte('}')
}

func writeJSON(out *bytes.Buffer, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		raw = []byte("null")
	}
	out.Write(raw)
}

// gqlError answers a GraphQL-level error: HTTP 200, the Directus errors
// array with the same codes as REST.
func gqlError(c *fiber.Ctx, d api.Deps, err error, ec errContext) error {
	ve := mapError(err, ec)
	logInternal(c, d, err, ve)
	return c.Status(fiber.StatusOK).JSON(errorBody{Errors: []errorItem{item(ve)}})
}
