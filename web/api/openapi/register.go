package openapi

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// The openapi dialect's own wire rule for register (docs/contract.md §6): the
// name is 5–20 characters. The bio's limits are the service's.
const (
	nameMin = 5
	nameMax = 20
)

// register implements `POST /auth/register` (seed 004, post__auth_register):
// it creates the member and returns the user and an openapi token pair.
// Every field problem is reported at once under "errors".
func register(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req registerRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d.Log, err)
		}
		if err := checkRegister(req); err != nil {
			return respondError(c, d.Log, err)
		}
		confirm := req.Confirm
		m, t, err := d.Auth.RegisterTokens(c.UserContext(), auth.RegisterInput{
			Name: req.Name, Email: req.Email, Password: req.Password, Confirm: &confirm, Bio: bioOf(req),
			Via: auth.ViaOpenAPI, Meta: api.Meta(c),
		})
		if err != nil {
			return respondError(c, d.Log, err)
		}
		c.Status(fiber.StatusCreated)
		return c.JSON(registerResponse{User: userOf(m, true), Tokens: tokensOf(t)})
	}
}

// checkRegister applies the dialect's wire rules (required fields, the name
// length, the bio limit) and reports every problem together. Email
// validity, uniqueness, the password policy and confirm are the service's.
func checkRegister(req registerRequest) error {
	fields := map[string]string{}
	name := utf8.RuneCountInString(strings.TrimSpace(req.Name))
	switch {
	case name == 0:
		fields["name"] = `"name" is required.`
	case name < nameMin || name > nameMax:
		fields["name"] = "Name must be " + strconv.Itoa(nameMin) + " to " + strconv.Itoa(nameMax) + " characters."
	}
	for _, f := range [][2]string{{"email", req.Email}, {"password", req.Password}, {"confirm", req.Confirm}} {
		if strings.TrimSpace(f[1]) == "" {
			fields[f[0]] = strconv.Quote(f[0]) + " is required."
		}
	}
	if len(fields) == 0 {
		return nil
	}
	msg := "Please correct the errors below."
	if len(fields) == 1 {
		for _, v := range fields {
			msg = v
		}
	}
	return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: fields}
}

func bioOf(req registerRequest) string {
	if req.Bio == nil {
		return ""
	}
	return strings.TrimSpace(*req.Bio)
}
