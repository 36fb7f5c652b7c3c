package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// logout implements seed 000 "Login › logout": it ends the session behind
// the request's credentials (any carrier of docs/contract.md §1, so a browser
// session too), which kills its access and refresh tokens at once, and
// clears the kuroco cookies the request carried.
func logout(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, s, err := api.Authenticate(c, d)
		if err != nil {
			return respondError(c, err)
		}
		var req struct{}
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		if err := d.Auth.Logout(c.UserContext(), s.ID); err != nil {
			return respondError(c, err)
		}
		if c.Cookies(api.CookieKurocoAccess) != "" {
			clearCookie(c, d, api.CookieKurocoAccess, "/")
		}
		if c.Cookies(api.CookieKurocoRefresh) != "" {
			clearCookie(c, d, api.CookieKurocoRefresh, refreshCookiePath)
		}
		return c.JSON(statusResponse{Messages: []string{"Logged out."}, Errors: []wireError{}})
	}
}
