package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// loginChallenge implements seed 000 "Login › login_challenge": email and
// password give a single-use grant_token (300 s) to exchange at token.
// Every failure (unknown account, wrong password, suspended member) answers
// the same 401. A browser asking for login_save: 1 gets the non-secret
// rcms_api_login_save marker, so that the grant exchange also sets the
// long-lived rcms_api_refresh_token cookie.
func loginChallenge(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req loginRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		if err := api.Required("email", req.Email, "password", req.Password); err != nil {
			return respondError(c, err)
		}
		meta, browser := api.Meta(c), cookieMode(c, d)
		if browser {
			// The answer sets (or clears) the login_save cookie.
			if err := auth.CookieSignIn(meta); err != nil {
				return respondError(c, err)
			}
		}
		m, g, err := d.Auth.LoginChallenge(c.UserContext(), auth.LoginInput{
			Identifier: req.Email, Password: req.Password, Via: auth.ViaKuroco, Meta: meta})
		if err != nil {
			return respondError(c, err)
		}
		if browser {
			if req.LoginSave {
				setCookie(c, d, cookieLoginSave, "1", refreshCookiePath, d.Auth.Config().GrantTTL)
			} else if c.Cookies(cookieLoginSave) != "" {
				clearCookie(c, d, cookieLoginSave, refreshCookiePath)
			}
		}
		return c.JSON(newGrantResponse(m, g))
	}
}
