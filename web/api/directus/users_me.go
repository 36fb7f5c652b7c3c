package directus

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// userFields are the directus_users fields GET /users/me can return, in
// Directus 11's order. Fields Gatehouse has no counterpart for are null;
// role is null because Gatehouse roles are per group (docs/dialects/directus.md).
var userFields = []string{
	"id", "first_name", "last_name", "email", "password", "location", "title", "description", "tags",
	"avatar", "language", "tfa_secret", "status", "role", "token", "last_access", "last_page",
	"provider", "external_identifier", "auth_data", "email_notifications", "appearance",
	"theme_dark", "theme_light", "theme_light_overrides", "theme_dark_overrides", "text_direction",
}

// masked is how Directus shows a secret it will not reveal.
const masked = "**********"

// userValues returns every userFields value of m.
func userValues(m auth.Member) map[string]any {
	v := make(map[string]any, len(userFields))
	for _, f := range userFields {
		v[f] = nil
	}
	v["id"] = m.ID
	v["first_name"], v["last_name"] = nullable(m.FirstName), nullable(m.LastName)
	v["email"] = m.Email
	v["password"] = masked
	if m.Bio != nil {
		v["description"] = *m.Bio
	}
	if m.MFAEnabled {
		v["tfa_secret"] = masked
	}
	v["status"] = string(m.Status)
	v["provider"] = "default"
	v["email_notifications"] = true
	v["text_direction"] = "auto"
	return v
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// selectFields applies a Directus "fields" list to m's values: "*" is every
// field; "a.b" selects a (a relation Gatehouse answers with null); an
// unknown field is 403 FORBIDDEN, as Directus answers a field the caller
// may not read or that does not exist.
func selectFields(m auth.Member, fields []string) (map[string]any, error) {
	all := userValues(m)
	if len(fields) == 0 {
		return all, nil
	}
	out := map[string]any{}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "*" {
			return all, nil
		}
		top, _, _ := strings.Cut(f, ".")
		if !slices.Contains(userFields, top) {
			return nil, errForbiddenField
		}
		out[top] = all[top]
	}
	return out, nil
}

var errForbiddenField = &auth.Error{Code: auth.EFORBIDDEN, Message: "You don't have permission to access this."}

// queryFields reads ?fields=a,b and ?fields[]=a&fields[]=b.
func queryFields(c *fiber.Ctx) []string {
	var out []string
	args := c.Context().QueryArgs()
	for _, key := range []string{"fields", "fields[]"} {
		for _, v := range args.PeekMulti(key) {
			for _, f := range strings.Split(string(v), ",") {
				if f = strings.TrimSpace(f); f != "" {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// readMe is GET /users/me (Directus 11, the SDK's readMe()): the signed-in
// member as a directus_users item, narrowed by ?fields=. Without a valid
// token: 401 INVALID_CREDENTIALS.
func readMe(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, d, err)
		}
		return respondMe(c, d, m)
	}
}

// respondMe answers the member as a directus_users item narrowed by
// ?fields= (GET and PATCH /users/me).
func respondMe(c *fiber.Ctx, d api.Deps, m auth.Member) error {
	v, err := selectFields(m, queryFields(c))
	if err != nil {
		return respondError(c, d, err)
	}
	return c.JSON(dataBody{Data: v})
}

// meWritable are the fields PATCH /users/me accepts; current_password is
// Gatehouse's addition (the pages' rule: an email or password change needs
// the current password). Any other directus_users field is 403 FORBIDDEN.
var meWritable = []string{"first_name", "last_name", "email", "password", "current_password"}

// updateMe is PATCH /users/me (Directus 11, the SDK's updateMe()): the
// member's own first and last name, email and password, through
// auth.Service.UpdateMe; answers the updated item like GET.
func updateMe(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, sess, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, d, err)
		}
		u, err := decodeMe(c)
		if err != nil {
			return respondError(c, d, err)
		}
		u.Meta = api.Meta(c)
		m, err = d.Auth.UpdateMe(c.UserContext(), m.ID, sess.ID, u)
		if err != nil {
			return respondError(c, d, err)
		}
		return respondMe(c, d, m)
	}
}

// decodeMe reads the PATCH body: only meWritable keys, each a string (or
// null for the names, which clears them).
func decodeMe(c *fiber.Ctx) (auth.MeUpdate, error) {
	var raw map[string]json.RawMessage
	if err := api.DecodeJSON(c, &raw); err != nil {
		return auth.MeUpdate{}, err
	}
	var u auth.MeUpdate
	for k, v := range raw {
		if !slices.Contains(meWritable, k) {
			return auth.MeUpdate{}, errForbiddenField
		}
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			return auth.MeUpdate{}, api.FieldProblem(k, `"`+k+`" must be a string.`)
		}
		if s == nil {
			if k != "first_name" && k != "last_name" {
				return auth.MeUpdate{}, api.FieldProblem(k, `"`+k+`" cannot be null.`)
			}
			empty := ""
			s = &empty
		}
		switch k {
		case "first_name":
			u.FirstName = s
		case "last_name":
			u.LastName = s
		case "email":
			u.Email = s
		case "password":
			u.Password = s
		case "current_password":
			u.CurrentPassword = *s
		}
	}
	return u, nil
}
