package directus

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

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

// loginRequests is what a login in mode asks the core to issue. json and
// cookie modes issue directus tokens for "data" and openapi tokens for the
// shared route's "tokens" view (each under its own dialect's lifetimes; in
// cookie mode the openapi refresh token, which the body leaves out, is not
// minted). Session mode issues only the session cookie's token.
func loginRequests(mode string) []auth.TokenRequest {
	switch mode {
	case modeSession:
		return []auth.TokenRequest{{Policy: auth.ViaDirectusSession}}
	case modeCookie:
		return []auth.TokenRequest{{Policy: auth.ViaDirectus}, {Policy: auth.ViaOpenAPI, NoRefresh: true}}
	}
	return []auth.TokenRequest{{Policy: auth.ViaDirectus}, {Policy: auth.ViaOpenAPI}}
}

// issued is one answer of login or refresh: the REST body, and the
// auth_tokens object GraphQL answers with (access_token empty in session
// mode, refresh_token empty outside json mode).
type issued struct {
	body any
	data authTokens
}

// issue renders freshly issued tokens in mode, as Directus 11 does: json
// puts both tokens in the body; cookie puts the refresh token in
// directus_refresh_token only; session answers only {data:{expires}} and
// puts the access token in directus_session_token (no refresh token, no
// refresh cookie). d0 is the directus set; view, when not nil, is the set
// shown in the openapi "tokens" view of the shared answer.
func issue(c *fiber.Ctx, d api.Deps, m auth.Member, d0 auth.Tokens, view *auth.Tokens, mode string) issued {
	if mode == modeSession {
		ttl := d.Auth.AccessTTL(auth.ViaDirectusSession)
		setCookie(c, d, api.CookieDirectusSession, d0.Access, ttl)
		data := authTokens{Expires: ttl.Milliseconds()}
		return issued{body: sessionBody{Data: sessionData{Expires: data.Expires}}, data: data}
	}
	if view == nil {
		view = &d0
	}
	res := loginResponse{
		Data:   authTokens{AccessToken: d0.Access, Expires: d.Auth.AccessTTL(auth.ViaDirectus).Milliseconds()},
		User:   newUserView(m),
		Tokens: tokensView{Access: tokenView{Token: view.Access, Expires: isoTime(view.AccessExpires)}},
	}
	if mode == modeJSON {
		res.Data.RefreshToken = d0.Refresh
		if view.Refresh != "" {
			res.Tokens.Refresh = &tokenView{Token: view.Refresh, Expires: isoTime(view.RefreshExpires)}
		}
	} else if d0.Refresh != "" {
		setCookie(c, d, api.CookieDirectusRefresh, d0.Refresh, policy(d).Refresh)
	}
	return issued{body: res, data: res.Data}
}
