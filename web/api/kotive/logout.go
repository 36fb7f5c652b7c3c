package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// logout ends the session of the authToken sent as HTTP Basic
// username:authToken (or any other token carrier of docs/contract.md §1): the
// token dies on every dialect. The browser session cookie alone is not
// enough: pages sign out at POST /logout, behind CSRF protection.
func logout(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cr, err := api.Extract(c, d)
		if err != nil {
			return respondError(c, d, err)
		}
		if cr.Token == "" {
			return respondError(c, d, errNoCredentials)
		}
		if _, _, err := api.Authenticate(c, d); err != nil {
			return respondError(c, d, err)
		}
		if err := d.Auth.LogoutToken(c.UserContext(), cr.Token); err != nil {
			return respondError(c, d, err)
		}
		return ok(c)
	}
}
