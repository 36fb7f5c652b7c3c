package directus

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// sessionCookieTTL is the lifetime of directus_session_token (api-contract
// §1: session cookie 1 day).
const sessionCookieTTL = 24 * time.Hour

// policy returns the directus token policy in force.
func policy(d api.Deps) auth.TokenPolicy {
	return d.Auth.Config().Policies[auth.ViaDirectus]
}

func setCookie(c *fiber.Ctx, d api.Deps, name, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge / time.Second),
		Expires:  time.Now().Add(maxAge),
		Secure:   d.Config.Secure,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// clearCookies removes both directus cookies.
func clearCookies(c *fiber.Ctx, d api.Deps) {
	for _, name := range []string{api.CookieDirectusRefresh, api.CookieDirectusSession} {
		c.Cookie(&fiber.Cookie{
			Name:     name,
			Value:    "",
			Path:     "/",
			Expires:  time.Unix(0, 0),
			Secure:   d.Config.Secure,
			HTTPOnly: true,
			SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
}

// parseMode validates a login/refresh mode; empty means def.
func parseMode(mode, def string) (string, error) {
	switch mode {
	case "":
		return def, nil
	case modeJSON, modeCookie, modeSession:
		return mode, nil
	}
	return "", api.FieldProblem("mode", `"mode" must be one of json, cookie, session.`)
}

// issue renders freshly issued tokens in mode: json puts the refresh token
// in the body; cookie puts it in directus_refresh_token only; session puts
// the access token in directus_session_token as well and keeps the refresh
// token in directus_refresh_token, so /auth/refresh can renew the session.
func issue(c *fiber.Ctx, d api.Deps, m auth.Member, t auth.Tokens, mode string) loginResponse {
	p := policy(d)
	res := loginResponse{
		Data:   authTokens{AccessToken: t.Access, Expires: p.Access.Milliseconds()},
		User:   newUserView(m),
		Tokens: tokensView{Access: tokenView{Token: t.Access, Expires: isoTime(t.AccessExpires)}},
	}
	if mode == modeJSON {
		res.Data.RefreshToken = t.Refresh
		if t.Refresh != "" {
			res.Tokens.Refresh = &tokenView{Token: t.Refresh, Expires: isoTime(t.RefreshExpires)}
		}
		return res
	}
	if t.Refresh != "" {
		setCookie(c, d, api.CookieDirectusRefresh, t.Refresh, p.Refresh)
	}
	if mode == modeSession {
		setCookie(c, d, api.CookieDirectusSession, t.Access, sessionCookieTTL)
	}
	return res
}
