package directus

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

var errNoRefreshToken = payloadError("The refresh token is required in either the payload or cookie.")

// refresh is POST /auth/refresh (seed 003 "Refresh"): the refresh token from
// the body or the directus_refresh_token cookie is rotated; the answer has
// the login shapes with the new refresh token.
func refresh(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req refreshRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		res, err := doRefresh(c, d, req)
		if err != nil {
			return respondTokenError(c, d, err)
		}
		return c.JSON(res)
	}
}

// doRefresh rotates a refresh token. As in Directus, the mode defaults to
// json when the body carries the token and to cookie otherwise.
func doRefresh(c *fiber.Ctx, d api.Deps, req refreshRequest) (loginResponse, error) {
	def := modeCookie
	if req.RefreshToken != "" {
		def = modeJSON
	}
	mode, err := parseMode(req.Mode, def)
	if err != nil {
		return loginResponse{}, err
	}
	if mode != modeJSON {
		if err := auth.CookieSignIn(api.Meta(c)); err != nil { // the answer sets a cookie
			return loginResponse{}, err
		}
	}
	token := req.RefreshToken
	if token == "" {
		token = strings.Clone(c.Cookies(api.CookieDirectusRefresh))
	}
	if token == "" {
		return loginResponse{}, errNoRefreshToken
	}
	m, t, err := d.Auth.RefreshTokens(c.UserContext(), auth.ViaDirectus, token)
	if err != nil {
		return loginResponse{}, err
	}
	return issue(c, d, m, t, mode), nil
}
