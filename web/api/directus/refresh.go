package directus

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

var errNoRefreshToken = payloadError("The refresh token is required in either the payload or cookie.")

// refresh is POST /auth/refresh (seed 003 "Refresh"; Directus 11's
// controllers/auth.ts): the refresh token from the body (json) or the
// directus_refresh_token cookie (cookie) is rotated; in session mode the
// directus_session_token cookie is renewed. Unknown, revoked and expired
// tokens are 401 INVALID_CREDENTIALS, as Directus answers.
func refresh(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req refreshRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d, err)
		}
		res, err := doRefresh(c, d, req)
		if err != nil {
			return respondErrorIn(c, d, err, ctxRefresh)
		}
		return c.JSON(res.body)
	}
}

// doRefresh renews the caller's tokens. As in Directus, the mode defaults
// to json when the body carries a refresh token and to cookie otherwise,
// and each mode reads its token from its own place only.
func doRefresh(c *fiber.Ctx, d api.Deps, req refreshRequest) (issued, error) {
	def := modeCookie
	if req.RefreshToken != "" {
		def = modeJSON
	}
	mode, err := parseMode(req.Mode, def)
	if err != nil {
		return issued{}, err
	}
	if mode != modeJSON {
		if err := auth.CookieSignIn(api.Meta(c)); err != nil { // the answer sets a cookie
			return issued{}, err
		}
	}
	var token string
	switch mode {
	case modeJSON:
		token = req.RefreshToken
	case modeCookie:
		token = strings.Clone(c.Cookies(api.CookieDirectusRefresh))
	case modeSession:
		token = strings.Clone(c.Cookies(api.CookieDirectusSession))
	}
	if token == "" {
		return issued{}, errNoRefreshToken
	}
	var (
		m auth.Member
		t auth.Tokens
	)
	if mode == modeSession {
		m, t, err = d.Auth.RenewAccessToken(c.UserContext(), auth.ViaDirectusSession, token)
	} else {
		m, t, err = d.Auth.RefreshTokens(c.UserContext(), auth.ViaDirectus, token)
	}
	if err != nil {
		return issued{}, err
	}
	return issue(c, d, m, t, nil, mode), nil
}
