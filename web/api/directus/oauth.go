package directus

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// oauthStateTTL bounds how long a sign-in at the provider may take.
const oauthStateTTL = 10 * time.Minute

// cookieOAuthState holds the state, PKCE verifier and redirect of one
// sign-in in progress (HttpOnly, scoped to the provider's callback path).
const cookieOAuthState = "directus_oauth_state"

// oauthState is the content of the state cookie.
type oauthState struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Redirect string `json:"r,omitempty"`
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

// oauthStart is GET /auth/oauth/:provider and GET /auth/login/:provider
// (seed 003 "Login using oAuth provider"): 302 to the provider's authorize
// URL with a random state and a PKCE S256 challenge, both remembered in an
// HttpOnly cookie. ?redirect= must be exactly one of the provider's
// AUTH_<PROVIDER>_REDIRECT_ALLOW_LIST entries.
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
		st := oauthState{State: randomString(), Verifier: randomString(), Redirect: redirect}
		raw, _ := json.Marshal(st)
		c.Cookie(&fiber.Cookie{
			Name: cookieOAuthState, Value: base64.RawURLEncoding.EncodeToString(raw),
			Path: callbackPath(p), MaxAge: int(oauthStateTTL / time.Second), Expires: time.Now().Add(oauthStateTTL),
			Secure: d.Config.Secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		})
		sum := sha256.Sum256([]byte(st.Verifier))
		q := url.Values{
			"client_id":             {p.ClientID},
			"redirect_uri":          {strings.TrimRight(d.Config.BaseURL, "/") + callbackPath(p)},
			"response_type":         {"code"},
			"scope":                 {p.Scope},
			"state":                 {st.State},
			"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
			"code_challenge_method": {"S256"},
		}
		target := p.AuthorizeURL
		if strings.Contains(target, "?") {
			target += "&" + q.Encode()
		} else {
			target += "?" + q.Encode()
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(target, fiber.StatusFound)
	}
}

// oauthCallback is GET /auth/oauth/:provider/callback. It checks the state
// against the cookie (403 INVALID_PROVIDER on mismatch). Signing in with an
// external identity needs accounts keyed on (provider, subject) that the
// core does not have yet, so after the state check it answers 403
// INVALID_PROVIDER "OAuth sign-in is not available yet." without exchanging
// the code.
func oauthCallback(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := findProvider(d, c.Params("provider"))
		if !ok {
			return notFound(c)
		}
		c.Cookie(&fiber.Cookie{Name: cookieOAuthState, Path: callbackPath(p), Expires: time.Unix(0, 0),
			Secure: d.Config.Secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		st, ok := readState(c.Cookies(cookieOAuthState))
		got := c.Query("state")
		if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 {
			return respondError(c, d, errProvider("The OAuth state is missing or does not match; start the sign-in again."))
		}
		if c.Query("code") == "" {
			return respondError(c, d, api.FieldProblem("code", `"code" is required.`))
		}
		return respondError(c, d, errProvider("OAuth sign-in is not available yet."))
	}
}

// errProvider is mapped to 403 INVALID_PROVIDER by respondError.
func errProvider(msg string) error { return &providerError{msg} }

type providerError struct{ msg string }

func (e *providerError) Error() string { return e.msg }

func readState(v string) (oauthState, bool) {
	var st oauthState
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || json.Unmarshal(raw, &st) != nil || st.State == "" {
		return oauthState{}, false
	}
	return st, true
}

func callbackPath(p api.OAuthProvider) string {
	return "/auth/oauth/" + url.PathEscape(p.Name) + "/callback"
}

// randomString returns 32 random bytes, base64url encoded.
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
