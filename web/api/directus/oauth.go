package directus

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
	"gatehouse/web/api/provider"
)

// oauthStateTTL bounds how long a sign-in at the provider may take.
const oauthStateTTL = 10 * time.Minute

// cookieOAuthState holds the state, PKCE verifier, nonce, mode and redirect
// of one sign-in in progress (HttpOnly, sent only to /auth/…).
const cookieOAuthState = "directus_oauth_state"

// oauthState is the content of the state cookie.
type oauthState struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Nonce    string `json:"n,omitempty"`
	Redirect string `json:"r,omitempty"`
	Mode     string `json:"m,omitempty"`
}

// providerList is GET /auth/oauth (seed 003 "List oAuth providers").
func providerList(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		names := make([]string, 0, len(d.Config.OAuthProviders))
		for _, p := range d.Config.OAuthProviders {
			names = append(names, p.Name)
		}
		return c.JSON(dataBody{Data: names})
	}
}

// authProviders is GET /auth (current Directus): the providers with their
// label, driver and icon; the password login is never disabled.
func authProviders(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		list := make([]providerView, 0, len(d.Config.OAuthProviders))
		for _, p := range d.Config.OAuthProviders {
			list = append(list, providerView{Name: p.Name, Label: p.Label, Driver: p.Driver, Icon: p.Icon})
		}
		return c.JSON(providersBody{Data: list})
	}
}

func findProvider(d api.Deps, name string) (api.OAuthProvider, bool) {
	for _, p := range d.Config.OAuthProviders {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return api.OAuthProvider{}, false
}

// oauthStart is GET /auth/login/:provider and GET /auth/oauth/:provider
// (seed 003 "Login using oAuth provider"; Directus 11): 302 to the
// provider's authorize URL (discovered for openid) with a random state, a
// PKCE S256 challenge and, for openid, a nonce, all remembered in an
// HttpOnly cookie. ?redirect= must be exactly one of the provider's
// AUTH_<PROVIDER>_REDIRECT_ALLOW_LIST entries; ?mode= is json (the default
// without redirect: the callback answers the tokens), cookie (the default
// with redirect) or session.
func oauthStart(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := findProvider(d, c.Params("provider"))
		if !ok {
			return notFound(c)
		}
		redirect := strings.Clone(c.Query("redirect"))
		if redirect != "" && !slices.Contains(p.RedirectAllow, redirect) {
			return respondError(c, d, api.FieldProblem("redirect", `"redirect" is not in the provider's redirect allow list.`))
		}
		def := modeJSON
		if redirect != "" {
			def = modeCookie
		}
		mode, err := parseMode(strings.Clone(c.Query("mode")), def)
		if err == nil && mode == modeJSON && redirect != "" {
			err = api.FieldProblem("mode", `"mode" json answers the tokens in the body and cannot redirect; use cookie or session with "redirect".`)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		authURL, start, err := provider.AuthURL(c.UserContext(), p, callbackURL(d, p))
		if err != nil {
			return respondOAuthError(c, d, err, "")
		}
		st := oauthState{State: start.State, Verifier: start.Verifier, Nonce: start.Nonce, Redirect: redirect, Mode: mode}
		raw, _ := json.Marshal(st)
		c.Cookie(&fiber.Cookie{
			Name: cookieOAuthState, Value: base64.RawURLEncoding.EncodeToString(raw),
			Path: "/auth/", MaxAge: int(oauthStateTTL / time.Second), Expires: time.Now().Add(oauthStateTTL),
			Secure: d.Config.Secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		})
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(authURL, fiber.StatusFound)
	}
}

// oauthCallback is GET /auth/login/:provider/callback (and
// /auth/oauth/:provider/callback). It checks the state against the cookie
// (which it clears: a replayed callback finds none), exchanges the code with
// the PKCE verifier, verifies the id_token and its nonce (openid) or reads
// the profile (oauth2), and signs in through auth.Service.ExternalLoginTokens
// (linking and creation rules there; a refusal writes nothing). Answers by
// mode: json {"data":{access_token,expires,refresh_token}}; cookie sets
// directus_refresh_token; session sets directus_session_token; with a
// redirect, 302 there (on failure with ?reason=<CODE>, as Directus).
func oauthCallback(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := findProvider(d, c.Params("provider"))
		if !ok {
			return notFound(c)
		}
		c.Cookie(&fiber.Cookie{Name: cookieOAuthState, Path: "/auth/", Expires: time.Unix(0, 0),
			Secure: d.Config.Secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		st, ok := readState(c.Cookies(cookieOAuthState))
		got := c.Query("state")
		if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 || !stateAllowed(p, st) {
			return respondError(c, d, errProvider("The OAuth state is missing or does not match; start the sign-in again."))
		}
		res, err := completeOAuth(c, d, p, st)
		if err != nil {
			return respondOAuthError(c, d, err, st.Redirect)
		}
		if st.Redirect != "" {
			c.Set(fiber.HeaderCacheControl, "no-store")
			return c.Redirect(st.Redirect, fiber.StatusFound)
		}
		return c.JSON(res)
	}
}

// completeOAuth turns the provider's answer into a signed-in member and
// the Directus body of mode (cookies set).
func completeOAuth(c *fiber.Ctx, d api.Deps, p api.OAuthProvider, st oauthState) (any, error) {
	if e := c.Query("error"); e != "" {
		return nil, errProvider("The provider refused the sign-in (" + strings.Clone(e) + ").")
	}
	code := strings.Clone(c.Query("code"))
	if code == "" {
		return nil, api.FieldProblem("code", `"code" is required.`)
	}
	acct, err := provider.Account(c.UserContext(), p, callbackURL(d, p), code, provider.Start{State: st.State, Verifier: st.Verifier, Nonce: st.Nonce})
	if err != nil {
		return nil, err
	}
	req := auth.TokenRequest{Policy: auth.ViaDirectus}
	if st.Mode == modeSession {
		req.Policy = auth.ViaDirectusSession
	}
	m, sets, err := d.Auth.ExternalLoginTokens(c.UserContext(), acct,
		auth.ExternalPolicy{AllowRegistration: p.AllowPublicRegistration, DefaultRole: p.DefaultRole}, "",
		auth.LoginInput{Via: auth.ViaDirectus, Meta: api.Meta(c)}, req)
	if err != nil {
		return nil, err
	}
	out := issue(c, d, m, sets[0], nil, st.Mode)
	if st.Mode == modeSession {
		return out.body, nil
	}
	return dataBody{Data: out.data}, nil
}

// respondOAuthError answers a failed sign-in: with a redirect, 302 to it
// with ?reason=<Directus code>; without, the error (a provider that is down
// is 503 SERVICE_UNAVAILABLE).
func respondOAuthError(c *fiber.Ctx, d api.Deps, err error, redirect string) error {
	if redirect == "" {
		return respondError(c, d, err)
	}
	ve := mapError(err, ctxCredentials)
	logInternal(c, d, err, ve)
	u, perr := url.Parse(redirect)
	if perr != nil {
		return respondError(c, d, err)
	}
	q := u.Query()
	q.Set("reason", ve.Code)
	u.RawQuery = q.Encode()
	return c.Redirect(u.String(), fiber.StatusFound)
}

// stateAllowed checks the cookie's redirect and mode again: the cookie is
// not signed, and a cookie planted by someone else (a sibling domain) must
// not turn the callback into an open redirect or put tokens in a URL.
func stateAllowed(p api.OAuthProvider, st oauthState) bool {
	if st.Redirect != "" && !slices.Contains(p.RedirectAllow, st.Redirect) {
		return false
	}
	switch st.Mode {
	case modeJSON:
		return st.Redirect == ""
	case modeCookie, modeSession:
		return true
	}
	return false
}

// errProvider is mapped to 403 INVALID_PROVIDER by respondError.
func errProvider(msg string) error { return &providerError{msg} }

type providerError struct{ msg string }

func (e *providerError) Error() string { return e.msg }

func readState(v string) (oauthState, bool) {
	var st oauthState
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || json.Unmarshal(raw, &st) != nil || st.State == "" || st.Verifier == "" {
		return oauthState{}, false
	}
	return st, true
}

// callbackURL is the redirect_uri registered at the provider (Directus
// 11's path).
func callbackURL(d api.Deps, p api.OAuthProvider) string {
	return strings.TrimRight(d.Config.BaseURL, "/") + "/auth/login/" + url.PathEscape(p.Name) + "/callback"
}
