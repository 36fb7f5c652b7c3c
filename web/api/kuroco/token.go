package kuroco

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

var errTwoTokens = &auth.Error{Code: auth.EINVALID, Message: "Send either grant_token or refresh_token, not both."}

// token implements seed 000 "Login › token" (docs/contract.md §2):
//   - {"grant_token"} exchanges a login_challenge or alias_login grant, once,
//     for an access and a refresh token;
//   - {"refresh_token"} returns a new access token only (kuroco does not
//     rotate refresh tokens);
//   - {} returns an anonymous access token for public endpoints, or, for a
//     same-site browser holding the rcms_api_refresh_token cookie of a
//     login_save login, refreshes with that cookie (auto-login).
//
// An empty grant_token or refresh_token counts as absent: Kuroco's own
// clients send both keys, one of them "" (or null).
//
// A same-site browser (cookie mode) also gets the rcms_api_access_token
// cookie; anonymous tokens never go into it, since they would shadow the
// browser's member session on every authenticated route.
func token(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req tokenRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		req.GrantToken, req.RefreshToken = present(req.GrantToken), present(req.RefreshToken)
		browser := cookieMode(c, d)
		switch {
		case req.GrantToken != nil && req.RefreshToken != nil:
			return respondError(c, errTwoTokens)
		case req.GrantToken != nil:
			return exchangeGrant(c, d, *req.GrantToken, browser)
		case req.RefreshToken != nil:
			return refresh(c, d, *req.RefreshToken, browser, false)
		case browser && c.Cookies(api.CookieKurocoRefresh) != "":
			return refresh(c, d, c.Cookies(api.CookieKurocoRefresh), browser, true)
		}
		t, err := d.Auth.AnonymousToken(c.UserContext(), auth.ViaKuroco, api.Meta(c))
		if err != nil {
			return respondError(c, err)
		}
		return c.JSON(newTokenResponse(t))
	}
}

// present is nil for an absent or empty token.
func present(p *string) *string {
	if p == nil || strings.TrimSpace(*p) == "" {
		return nil
	}
	return p
}

// exchangeGrant is token with a grant_token.
func exchangeGrant(c *fiber.Ctx, d api.Deps, grant string, browser bool) error {
	if err := api.Required("grant_token", grant); err != nil {
		return respondError(c, err)
	}
	if err := cookieSignIn(c, browser); err != nil {
		return respondError(c, err)
	}
	_, t, err := d.Auth.ExchangeGrant(c.UserContext(), grant, api.Meta(c))
	if err != nil {
		return respondError(c, err)
	}
	if browser {
		save := c.Cookies(cookieLoginSave) != ""
		setTokenCookies(c, d, t, save)
		if save {
			clearCookie(c, d, cookieLoginSave, refreshCookiePath)
		}
	}
	return c.JSON(newTokenResponse(t))
}

// refresh is token with a refresh token, from the body or (fromCookie) from
// the rcms_api_refresh_token cookie; a dead cookie is cleared.
func refresh(c *fiber.Ctx, d api.Deps, refresh string, browser, fromCookie bool) error {
	if err := api.Required("refresh_token", refresh); err != nil {
		return respondError(c, err)
	}
	if err := cookieSignIn(c, browser); err != nil {
		return respondError(c, err)
	}
	_, t, err := d.Auth.RefreshTokens(c.UserContext(), auth.ViaKuroco, refresh)
	if err != nil {
		if fromCookie {
			clearCookie(c, d, api.CookieKurocoRefresh, refreshCookiePath)
		}
		return respondError(c, err)
	}
	if browser {
		setTokenCookies(c, d, t, fromCookie)
	}
	return c.JSON(newTokenResponse(t))
}

// cookieSignIn applies auth.CookieSignIn when the answer will set the token
// cookies (browser: cookie mode), before the grant or refresh token is used.
func cookieSignIn(c *fiber.Ctx, browser bool) error {
	if !browser {
		return nil
	}
	return auth.CookieSignIn(api.Meta(c))
}
