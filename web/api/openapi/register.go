package openapi

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// The openapi dialect's own wire rules for register (api-contract §6): the
// name is 5–20 characters. bioMax is the profile form's limit, checked here
// so that a bio the profile would refuse fails before the account exists.
const (
	nameMin = 5
	nameMax = 20
	bioMax  = 1000
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
			Name: req.Name, Email: req.Email, Password: req.Password, Confirm: &confirm,
			Via: auth.ViaOpenAPI, Meta: api.Meta(c),
		})
		if err != nil {
			return respondError(c, d.Log, err)
		}
		if bio := bioOf(req); bio != "" {
			m = withBio(c, d, m, bio)
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
	if bio := bioOf(req); utf8.RuneCountInString(bio) > bioMax {
		fields["bio"] = "Bio must be at most " + strconv.Itoa(bioMax) + " characters."
	} else if strings.ContainsFunc(bio, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		fields["bio"] = "Bio must not contain control characters."
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

// withBio stores the bio of a member just registered: auth.RegisterInput has
// no bio, so it goes through UpdateProfile, keeping the name and the
// username (which defaults to the canonical email). The account and its
// tokens exist by now, so a failure here cannot turn into a 400: it is
// logged and the member is answered as stored (bio null).
func withBio(c *fiber.Ctx, d api.Deps, m auth.Member, bio string) auth.Member {
	username := m.Username
	if username == "" {
		username = auth.Canonical(m.Email)
	}
	updated, err := d.Auth.UpdateProfile(c.UserContext(), m.ID, auth.ProfileInput{Name: m.Name, Username: username, Bio: bio})
	if err != nil {
		if d.Log != nil {
			d.Log.Warn("openapi register: bio not stored", "member_id", m.ID, "err", err)
		}
		return m
	}
	return updated
}
