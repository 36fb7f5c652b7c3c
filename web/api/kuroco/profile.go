package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// profile implements docs/contract.md §2 "profile" (an addition; the seed has none):
// the signed-in member's id, email and names (name1 = first name, or the
// display name when no first name is set; name2 = last name), and the ids
// the member may log in as with alias_login (none inside a proxy session).
func profile(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, sess, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, err)
		}
		targets, err := d.Auth.ProxyTargets(c.UserContext(), auth.Actor{Member: m, Session: sess, Meta: api.Meta(c)})
		if err != nil {
			return respondError(c, err)
		}
		ids := make([]int64, 0, len(targets))
		for _, t := range targets {
			ids = append(ids, t.ID)
		}
		name1 := m.FirstName
		if name1 == "" {
			name1 = m.Name
		}
		return c.JSON(profileResponse{MemberID: m.ID, Email: m.Email, Name1: name1, Name2: m.LastName,
			AliasLoginTarget: ids, Errors: []wireError{}, Messages: []string{}})
	}
}
