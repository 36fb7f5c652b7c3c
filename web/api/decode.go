package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// DecodeJSON decodes a JSON object body into v. A non-empty body whose
// Content-Type is not JSON (see IsJSON) is refused with ErrMediaType before
// a byte of it is read: a cross-site HTML form can send text/plain (and a
// no-cors fetch no Content-Type at all) without a CORS preflight, so
// accepting those would let any web page drive these routes with the
// victim's cookies. Malformed JSON, a non-object body, a field of the wrong
// type or trailing data are EINVALID errors whose message names the problem
// (and the field, in Fields). An empty body decodes as {}, so routes that
// need no body (logout and the like) work without one.
func DecodeJSON(c *fiber.Ctx, v any) error {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return nil
	}
	if !IsJSON(c.Get(fiber.HeaderContentType)) {
		return mediaTypeError(c)
	}
	if body[0] != '{' {
		return &auth.Error{Code: auth.EINVALID, Message: "The request body must be a JSON object."}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &auth.Error{Code: auth.EINVALID, Message: "Unexpected data after the JSON object."}
	}
	return nil
}

// DecodeJSONOrForm decodes JSON, or an application/x-www-form-urlencoded
// body into the same struct by its json tags (string fields only): wme
// documents both. Any other non-empty body is refused like DecodeJSON does.
func DecodeJSONOrForm(c *fiber.Ctx, v any) error {
	if mediaType(c.Get(fiber.HeaderContentType)) != fiber.MIMEApplicationForm {
		return DecodeJSON(c, v)
	}
	vals, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return &auth.Error{Code: auth.EINVALID, Message: "The form body is malformed."}
	}
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || !vals.Has(name) {
			continue
		}
		if f.Type.Kind() != reflect.String {
			return FieldProblem(name, fmt.Sprintf("%s must be a %s.", name, f.Type.Kind()))
		}
		rv.Field(i).SetString(vals.Get(name))
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &auth.Error{Code: auth.EINVALID, Message: "The request body must be a JSON object."}
		}
		return FieldProblem(field, fmt.Sprintf("%q must be a %s, not %s.", field, jsonKind(typeErr.Type), typeErr.Value))
	case errors.As(err, &syntaxErr):
		return &auth.Error{Code: auth.EINVALID, Message: fmt.Sprintf("Malformed JSON at byte %d: %s.", syntaxErr.Offset, syntaxErr.Error())}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &auth.Error{Code: auth.EINVALID, Message: "Malformed JSON: the body ends too early."}
	}
	return &auth.Error{Code: auth.EINVALID, Message: "Malformed JSON: " + err.Error() + "."}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Uint, reflect.Uint64:
		return "number"
	case reflect.Slice:
		return "array"
	}
	return "object"
}

// FieldProblem is an EINVALID error about one named input.
func FieldProblem(field, message string) error {
	return &auth.Error{Code: auth.EINVALID, Message: message, Fields: map[string]string{field: message}}
}

// Required reports the first empty required field as an EINVALID error.
// pairs alternates field names and values.
func Required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return FieldProblem(pairs[i], fmt.Sprintf("%q is required.", pairs[i]))
		}
	}
	return nil
}
