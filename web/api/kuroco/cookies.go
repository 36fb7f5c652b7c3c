package kuroco

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// cookieLoginSave remembers, between login_challenge and the grant exchange
// at token, that the browser asked for login_save: 1. It holds no secret
// (just "1"), lives as long as the grant, and only decides whether the token
// response also sets the long-lived rcms_api_refresh_token cookie, which
// cannot be set at login because no refresh token exists yet.
const cookieLoginSave = "rcms_api_login_save"

// refreshCookiePath keeps the refresh cookie to the kuroco routes: only
// token reads it.
const refreshCookiePath = "/rcms-api/"

// cookieMode reports whether the request shows cookie-mode intent
// (docs/contract.md §2): a browser Origin whose host is the host of the
// configured base URL. API clients without an Origin use the headers.
func cookieMode(c *fiber.Ctx, d api.Deps) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return false
	}
	o, err := url.Parse(origin)
	if err != nil || o.Hostname() == "" {
		return false
	}
	base, err := url.Parse(d.Config.BaseURL)
	if err != nil || base.Hostname() == "" {
		return false
	}
	return strings.EqualFold(o.Hostname(), base.Hostname())
}

// policy returns the kuroco token lifetimes in force.
func policy(d api.Deps) auth.TokenPolicy {
	return d.Auth.Config().Policies[auth.ViaKuroco]
}

func setCookie(c *fiber.Ctx, d api.Deps, name, value, path string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		MaxAge:   int(maxAge / time.Second),
		Secure:   d.Config.Secure,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func clearCookie(c *fiber.Ctx, d api.Deps, name, path string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Path:     path,
		MaxAge:   -1,
		Expires:  time.Unix(0, 0),
		Secure:   d.Config.Secure,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// setTokenCookies sets rcms_api_access_token (Path=/, as every dialect and
// the pages accept it) and, when refresh is true and a refresh token was
// issued, rcms_api_refresh_token.
func setTokenCookies(c *fiber.Ctx, d api.Deps, t auth.Tokens, refresh bool) {
	p := policy(d)
	setCookie(c, d, api.CookieKurocoAccess, t.Access, "/", p.Access)
	if refresh && t.Refresh != "" {
		setCookie(c, d, api.CookieKurocoRefresh, t.Refresh, refreshCookiePath, p.Refresh)
	}
}
