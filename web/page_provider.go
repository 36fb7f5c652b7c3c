package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
	"gatehouse/web/api"
	"gatehouse/web/api/provider"
)

// keyOAuth holds the pages' provider sign-in in progress (provider, state,
// PKCE verifier, nonce) in the browser session, as JSON.
const keyOAuth = "oauth"

// pagesOAuth is the content of keyOAuth.
type pagesOAuth struct {
	Link     bool   `json:"l,omitempty"` // link to the signed-in member instead of signing in
	Provider string `json:"p"`
	State    string `json:"s"`
	Verifier string `json:"v"`
	Nonce    string `json:"n,omitempty"`
}

// msgProviderRestart answers a callback that does not belong to a sign-in
// this browser started (expired, replayed, or forged).
const msgProviderRestart = "This sign-in could not be completed (it expired or did not start here). Please try again."

// providerLinks lists the configured providers for the sign-in buttons.
func (s *server) providerLinks() []views.ProviderLink {
	out := make([]views.ProviderLink, 0, len(s.apiCfg.OAuthProviders))
	for _, p := range s.apiCfg.OAuthProviders {
		out = append(out, views.ProviderLink{Name: p.Name, Label: p.Label})
	}
	return out
}

func (s *server) findProvider(name string) (api.OAuthProvider, bool) {
	for _, p := range s.apiCfg.OAuthProviders {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return api.OAuthProvider{}, false
}

// providerCallback is the redirect URI of the pages' sign-in with p.
func (s *server) providerCallback(p api.OAuthProvider) string {
	return strings.TrimRight(s.apiCfg.BaseURL, "/") + "/login/with/" + url.PathEscape(p.Name) + "/callback"
}

// handleProviderStart is GET /login/with/:provider, the "Continue with …"
// buttons: 303 to the provider with a state, a PKCE S256 challenge and
// (openid) a nonce kept in the browser session.
func (s *server) handleProviderStart() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.startProvider(c, false)
	}
}

// handleProviderLink is GET /account/providers/:provider/link: the same
// flow, whose callback links the provider account to the signed-in member.
func (s *server) handleProviderLink() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.startProvider(c, true)
	}
}

func (s *server) startProvider(c *fiber.Ctx, link bool) error {
	p, ok := s.findProvider(c.Params("provider"))
	if !ok {
		return fiber.ErrNotFound
	}
	authURL, st, err := provider.AuthURL(c.UserContext(), p, s.providerCallback(p))
	if err != nil {
		return s.providerFailed(c, err)
	}
	raw, _ := json.Marshal(pagesOAuth{Link: link, Provider: p.Name, State: st.State, Verifier: st.Verifier, Nonce: st.Nonce})
	sess(c).set(keyOAuth, string(raw))
	return c.Redirect(authURL, fiber.StatusSeeOther)
}

// handleProviderUnlink is POST /account/providers/:id/unlink.
func (s *server) handleProviderUnlink() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, current := currentMember(c)
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrNotFound
		}
		switch err := s.auth.UnlinkIdentity(c.UserContext(), m.ID, current.ID, id); auth.ErrorCode(err) {
		case "":
			sess(c).flash("The provider has been unlinked.")
		case auth.EFORBIDDEN:
			sess(c).flash(auth.ErrorMessage(err))
		default:
			return err
		}
		return redirect(c, "/account")
	}
}

// identityRows are the account page's linked providers and the configured
// ones not linked yet.
func (s *server) identityRows(c *fiber.Ctx, memberID int64) ([]views.IdentityRow, []views.ProviderLink, error) {
	ids, err := s.auth.Identities(c.UserContext(), memberID)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]views.IdentityRow, 0, len(ids))
	linked := map[string]bool{}
	for _, i := range ids {
		label := i.Provider
		if p, ok := s.findProvider(i.Provider); ok {
			label = p.Label
		}
		linked[i.Provider] = true
		rows = append(rows, views.IdentityRow{ID: i.ID, Label: label, Email: i.Email})
	}
	var linkable []views.ProviderLink
	for _, l := range s.providerLinks() {
		if !linked[l.Name] {
			linkable = append(linkable, l)
		}
	}
	return rows, linkable, nil
}

// handleProviderCallback is GET /login/with/:provider/callback: the state
// must be the one this browser session started (it is used up), the code is
// exchanged and verified (web/api/provider), and auth.Service.ExternalLogin
// decides who signs in (linking and creation rules there; a refusal writes
// nothing). Success starts the browser session like a password sign-in;
// a member with two-factor authentication goes to the code page.
func (s *server) handleProviderCallback() fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := s.findProvider(c.Params("provider"))
		if !ok {
			return fiber.ErrNotFound
		}
		raw, _ := sess(c).get(keyOAuth).(string)
		sess(c).del(keyOAuth)
		var st pagesOAuth
		if json.Unmarshal([]byte(raw), &st) != nil || st.Provider != p.Name || st.State == "" ||
			subtle.ConstantTimeCompare([]byte(c.Query("state")), []byte(st.State)) != 1 {
			return s.renderLoginError(c, fiber.StatusBadRequest, msgProviderRestart)
		}
		if e := c.Query("error"); e != "" {
			return s.renderLoginError(c, fiber.StatusForbidden, p.Label+" did not sign you in ("+strings.Clone(e)+").")
		}
		acct, err := provider.Account(c.UserContext(), p, s.providerCallback(p), strings.Clone(c.Query("code")),
			provider.Start{State: st.State, Verifier: st.Verifier, Nonce: st.Nonce})
		if err != nil {
			return s.providerFailed(c, err)
		}
		if st.Link {
			return s.linkProvider(c, p, acct)
		}
		_, as, err := s.auth.ExternalLogin(c.UserContext(), acct,
			auth.ExternalPolicy{AllowRegistration: p.AllowPublicRegistration, DefaultRole: p.DefaultRole}, clientMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			return redirect(c, "/account")
		case auth.EOTP:
			sess(c).set(keyMFA, auth.AsError(err).Challenge)
			return redirect(c, "/login/otp")
		case auth.EFORBIDDEN, auth.EUNAUTHORIZED, auth.EINVALID:
			return s.renderLoginError(c, fiber.StatusForbidden, auth.ErrorMessage(err))
		}
		return err
	}
}

// linkProvider ends a link flow: the provider account joins the signed-in
// member (who must still be signed in).
func (s *server) linkProvider(c *fiber.Ctx, p api.OAuthProvider, acct auth.ExternalAccount) error {
	m, current := currentMember(c)
	if m == nil {
		return redirect(c, "/login")
	}
	switch err := s.auth.LinkIdentity(c.UserContext(), m.ID, current.ID, acct); auth.ErrorCode(err) {
	case "":
		sess(c).flash(p.Label + " is now linked: you can sign in with it.")
	case auth.ECONFLICT, auth.EFORBIDDEN, auth.EINVALID:
		sess(c).flash(auth.ErrorMessage(err))
	default:
		return err
	}
	return redirect(c, "/account")
}

// providerFailed answers a provider that is down (503) or whose answer
// does not allow the sign-in (403) on the sign-in page.
func (s *server) providerFailed(c *fiber.Ctx, err error) error {
	var down *provider.Down
	var refused *provider.Refused
	switch {
	case errors.As(err, &down):
		c.Set(fiber.HeaderRetryAfter, "30")
		return s.renderLoginError(c, fiber.StatusServiceUnavailable, down.Error())
	case errors.As(err, &refused):
		return s.renderLoginError(c, fiber.StatusForbidden, refused.Error())
	}
	return err
}

// renderLoginError shows the sign-in page with a form-level message.
func (s *server) renderLoginError(c *fiber.Ctx, status int, msg string) error {
	return s.render(c, status, views.LoginPage(views.LoginProps{Error: msg, Providers: s.providerLinks()}))
}
