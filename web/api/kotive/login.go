package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// systemRoles are the default roles every login lists (docs/contract.md §8).
var systemRoles = []auth.RoleID{auth.RoleOwner, auth.RoleAdmin, auth.RoleMaker}

// login is seed 002 "Login": GET (or POST) /api/login with HTTP Basic
// username:password opens a session and returns a new authToken;
// username:authToken returns that same live token without a new session.
// Since tokens are universal (docs/contract.md §1), a token sent in any other
// carrier (Bearer, X-RCMS-API-ACCESS-TOKEN, …) is also returned as is.
func login(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		m, token, err := basicOrToken(c, d)
		if err != nil {
			return respondError(c, d, err)
		}
		groups, err := d.Auth.MemberGroups(ctx, m.ID)
		if err != nil {
			return respondError(c, d, err)
		}
		return c.JSON(newLoginResponse(m, token, groups))
	}
}

// basicOrToken authenticates a login: HTTP Basic through BasicLogin, or a
// token in another carrier through api.Authenticate. A browser session
// cookie alone has no authToken to return and is refused.
func basicOrToken(c *fiber.Ctx, d api.Deps) (auth.Member, string, error) {
	if username, secret, ok := api.Basic(c); ok {
		m, tok, err := d.Auth.BasicLogin(c.UserContext(), username, secret, auth.ViaKotive, api.Meta(c))
		return m, tok.Access, err
	}
	cr, err := api.Extract(c, d)
	if err != nil {
		return auth.Member{}, "", err
	}
	if cr.Token == "" {
		return auth.Member{}, "", errNoCredentials
	}
	m, _, err := api.Authenticate(c, d)
	return m, cr.Token, err
}

// newLoginResponse encodes a member, its authToken and its groups.
func newLoginResponse(m auth.Member, token string, groups []auth.Group) loginResponse {
	first, last := m.FirstLast()
	res := loginResponse{
		AuthToken:   token,
		SystemRoles: make([]role, 0, len(systemRoles)),
		UserRoles:   make([]userRole, 0, len(m.Roles)),
		GroupsIndex: make([]groupIndex, 0, len(groups)),
		User: user{Email: m.Email, Username: m.Username, Firstname: first, Lastname: last,
			ID: m.ID, Mobile: m.Mobile, Password: hiddenPassword},
	}
	for _, r := range systemRoles {
		res.SystemRoles = append(res.SystemRoles, role{ID: int64(r), Label: r.Label()})
	}
	for _, g := range m.Roles {
		res.UserRoles = append(res.UserRoles, userRole{UserID: m.ID, Role: role{ID: int64(g.Role), Label: g.Role.Label()}, GroupID: g.Group})
	}
	for _, g := range groups {
		res.GroupsIndex = append(res.GroupsIndex, groupIndex{ID: g.ID, ParentID: g.ParentID})
	}
	return res
}
