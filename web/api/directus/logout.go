package directus

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// logout is POST /auth/logout (seed 003 "Logout"; docs/contract.md §7, shared
// with openapi). Known, unknown and already revoked tokens all answer 200 {}
// (RFC 7009, docs/security.md T6); the directus cookies are cleared.
func logout(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req logoutRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondCombined(c, d, err)
		}
		if err := doLogout(c, d, req); err != nil {
			return respondCombined(c, d, err)
		}
		return c.JSON(fiber.Map{})
	}
}

// doLogout ends the session of the refresh token in the body (either
// spelling) or in directus_refresh_token, or else of the access token in
// directus_session_token.
func doLogout(c *fiber.Ctx, d api.Deps, req logoutRequest) error {
	if _, err := parseMode(req.Mode, modeJSON); err != nil {
		return err
	}
	token := req.RefreshToken
	if token == "" {
		token = req.RefreshToken2
	}
	if token == "" {
		token = strings.Clone(c.Cookies(api.CookieDirectusRefresh))
	}
	var err error
	switch session := strings.Clone(c.Cookies(api.CookieDirectusSession)); {
	case token != "":
		err = d.Auth.RevokeRefreshToken(c.UserContext(), token)
	case session != "":
		err = d.Auth.LogoutToken(c.UserContext(), session)
	default:
		return errNoRefreshToken
	}
	if err != nil {
		return err
	}
	clearCookies(c, d)
	return nil
}
