package directus

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gatehouse/web/api"
)

// queryRoot resolves the Query type: users_me, server_ping and
// introspection.
type queryRoot struct {
	c *fiber.Ctx
	d api.Deps
}

func (queryRoot) typename() string { return "Query" }
func (q queryRoot) resolve(_ *executor, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "__schema":
		return schemaObj{systemSchema}, nil
	case "__type":
		name, _ := args["name"].(string)
		if d := systemSchema.Types[name]; d != nil {
			return typeObj{systemSchema, d}, nil
		}
		return nil, nil
	case "server_ping":
		return "pong", nil
	case "users_me":
		return q.usersMe()
	}
	return nil, nil
}

// usersMe is the signed-in member as a directus_users object; null without
// credentials (as Directus), an error for refused ones.
func (q queryRoot) usersMe() (any, error) {
	cr, err := api.Extract(q.c, q.d)
	if err != nil {
		return nil, err
	}
	if cr.Token == "" && cr.SessionID == 0 {
		return nil, nil
	}
	m, _, err := api.Authenticate(q.c, q.d)
	if err != nil {
		return nil, err
	}
	vals := userValues(m)
	vals["id"] = strconv.FormatInt(m.ID, 10) // GraphQL ID serializes as a string
	return mapObject{name: "directus_users", vals: vals}, nil
}

// mutationRoot resolves the Mutation type through the REST routes' code.
type mutationRoot struct {
	c *fiber.Ctx
	d api.Deps
}

func (mutationRoot) typename() string { return "Mutation" }
func (m mutationRoot) resolve(_ *executor, f *ast.Field, args map[string]any) (any, error) {
	a := map[string]string{}
	for k, v := range args {
		if s, ok := v.(string); ok {
			a[k] = s
		}
	}
	c, d := m.c, m.d
	switch f.Name {
	case "auth_login":
		res, err := doLogin(c, d, loginRequest{Email: a["email"], Password: a["password"], OTP: a["otp"], Mode: a["mode"]})
		return tokensObject(res, err)
	case "auth_refresh":
		res, err := doRefresh(c, d, refreshRequest{RefreshToken: a["refresh_token"], Mode: a["mode"]})
		return tokensObject(res, err)
	case "auth_logout":
		return boolResult(doLogout(c, d, logoutRequest{RefreshToken: a["refresh_token"], Mode: a["mode"]}))
	case "auth_password_request":
		return boolResult(requestReset(c, d, passwordRequest{Email: a["email"], ResetURL: a["reset_url"]}))
	case "auth_password_reset":
		return boolResult(resetPassword(c, d, passwordReset{Token: a["token"], Password: a["password"]}))
	case "users_me_tfa_generate":
		s, err := generateTOTP(c, d, tfaGenerateRequest{Password: a["password"]})
		if err != nil {
			return nil, err
		}
		return mapObject{name: "users_me_tfa_generate_data", vals: map[string]any{"secret": s.Secret, "otpauth_url": s.OTPAuthURL}}, nil
	case "users_me_tfa_enable":
		return boolResult(enableTOTP(c, d, tfaEnableRequest{Secret: a["secret"], OTP: a["otp"]}))
	case "users_me_tfa_disable":
		return boolResult(disableTOTP(c, d, tfaDisableRequest{OTP: a["otp"]}))
	}
	return nil, nil
}

// mutationContext is what EUNAUTHORIZED means for a mutation's error, as
// on its REST route.
func mutationContext(field string) errContext {
	switch field {
	case "auth_refresh":
		return ctxRefresh
	case "auth_password_reset":
		return ctxToken
	}
	return ctxCredentials
}

func boolResult(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return true, nil
}

// tokensObject is auth_tokens: access_token null in session mode,
// refresh_token null outside json mode.
func tokensObject(res issued, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	v := map[string]any{"access_token": nil, "expires": res.data.Expires, "refresh_token": nil}
	if res.data.AccessToken != "" {
		v["access_token"] = res.data.AccessToken
	}
	if res.data.RefreshToken != "" {
		v["refresh_token"] = res.data.RefreshToken
	}
	return mapObject{name: "auth_tokens", vals: v}, nil
}

// checkLimits bounds the document before validation: selection depth
// (fragments followed) and the number of aliases.
func checkLimits(doc *ast.QueryDocument) error {
	aliases := 0
	var walk func(set ast.SelectionSet, depth int, seen map[string]bool) error
	walk = func(set ast.SelectionSet, depth int, seen map[string]bool) error {
		if len(set) > 0 && depth > gqlMaxDepth {
			return gqlerror.Errorf("The query is nested too deeply: at most %d levels are allowed.", gqlMaxDepth)
		}
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					if aliases++; aliases > gqlMaxAliases {
						return gqlerror.Errorf("Too many aliases: at most %d are allowed per request.", gqlMaxAliases)
					}
				}
				if err := walk(s.SelectionSet, depth+1, seen); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet, depth, seen); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				def := doc.Fragments.ForName(s.Name)
				if def == nil || seen[s.Name] {
					continue // unknown or cyclic: the validator reports it
				}
				seen[s.Name] = true
				err := walk(def.SelectionSet, depth, seen)
				delete(seen, s.Name)
				if err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, op := range doc.Operations {
		if err := walk(op.SelectionSet, 1, map[string]bool{}); err != nil {
			return err
		}
	}
	return nil
}

// checkRootFields bounds the batch: the root fields of the operation
// (fragments followed, __typename not counted).
func checkRootFields(op *ast.OperationDefinition, vars map[string]any) error {
	ex := &executor{vars: vars}
	n := 0
	for _, k := range ex.collect(rootName(op), op.SelectionSet, nil, map[string]bool{}) {
		if k.fields[0].Name != "__typename" {
			n++
		}
	}
	if op.Operation == ast.Mutation && n > gqlMaxMutations {
		return gqlerror.Errorf("Send at most %d mutation per request (this one has %d).", gqlMaxMutations, n)
	}
	if n > gqlMaxRootFields {
		return gqlerror.Errorf("Too many fields at the root: at most %d are allowed per request (this one has %d).", gqlMaxRootFields, n)
	}
	return nil
}

func rootName(op *ast.OperationDefinition) string {
	if op.Operation == ast.Mutation {
		return "Mutation"
	}
	return "Query"
}
