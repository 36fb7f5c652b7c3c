package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"gatehouse/internal/auth"
	"gatehouse/views"
	"gatehouse/web/oidcop"
)

// Sign in with Gatehouse (docs/decisions.md): the OpenID Provider's
// endpoints are the library's net/http handlers (web/oidcop), mounted
// here; the sign-in step between /authorize and its callback is the page
// /authorize/continue, on the browser's Gatehouse session.

// pathContinue is the page /authorize sends the browser to (the client's
// login URL); keyReturn keeps it across the sign-in pages.
const (
	pathContinue = "/authorize/continue"
	keyReturn    = "return"
)

// oidcRoutes mounts the provider's endpoints. If the provider cannot be
// built (a bad issuer), they are left out and the error is logged: the
// rest of Gatehouse still serves. The sign-in page is in routes.go.
func (s *server) oidcRoutes(app *fiber.App) {
	issuer := s.auth.Config().Issuer
	p, err := oidcop.New(s.auth, issuer, func(id string) string { return pathContinue + "?id=" + url.QueryEscape(id) })
	if err != nil {
		s.log.Error("openid provider disabled", "err", err.Error())
		return
	}
	h := handleOIDC(adaptor.HTTPHandler(p))
	get, post := fiber.MethodGet, fiber.MethodPost
	for _, r := range []struct{ method, path string }{
		{get, oidcop.PathAuthorize}, {post, oidcop.PathAuthorize}, {get, oidcop.PathCallback},
		{post, oidcop.PathToken}, {post, oidcop.PathIntrospect}, {post, oidcop.PathRevoke},
		{get, oidcop.PathUserinfo}, {post, oidcop.PathUserinfo},
		{get, oidcop.PathEndSession}, {post, oidcop.PathEndSession},
	} {
		app.Add(r.method, r.path, noStore, h)
	}
}

// handleOIDC runs the library's handler with the caller's ClientMeta in
// the request context (client secrets go through the gate with it).
func handleOIDC(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Context().SetUserValue(oidcop.MetaKey, clientMeta(c))
		return h(c)
	}
}

// handleOIDCContinue is the sign-in step of an authorization request: a
// browser signed in at Gatehouse goes straight back through the callback
// (after consent, for a third-party client); otherwise to /login, and
// back here after every factor (keyReturn). A session older than
// prompt=login or max_age allow gets a "sign in again" page. With
// prompt=none the client gets login_required or consent_required instead
// of any page.
func (s *server) handleOIDCContinue() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.oidcStep(c, c.Query("id"))
	}
}

// oidcStep decides the next step of the request id for this browser.
func (s *server) oidcStep(c *fiber.Ctx, id string) error {
	r, p, err := s.oidcRequest(c, id)
	if err != nil {
		return err
	}
	_, as := currentMember(c)
	if as == nil {
		if p.None {
			return c.Redirect(p.ErrorURL("login_required"), fiber.StatusFound)
		}
		sess(c).set(keyReturn, pathContinue+"?id="+url.QueryEscape(id))
		return redirect(c, "/login")
	}
	err = s.auth.SignInOIDCRequest(c.UserContext(), id, as.ID, auth.OIDCPrompt{Login: p.Login, MaxAge: p.MaxAge, Scopes: p.Scopes})
	if err == nil {
		return redirect(c, oidcop.PathCallback+"?id="+url.QueryEscape(id))
	}
	props := views.OIDCStepProps{RequestID: id, ClientName: r.ClientName, Scopes: p.Scopes}
	switch {
	case err == auth.ErrOIDCLoginRequired && p.None:
		return c.Redirect(p.ErrorURL("login_required"), fiber.StatusFound)
	case err == auth.ErrOIDCConsentRequired && p.None:
		return c.Redirect(p.ErrorURL("consent_required"), fiber.StatusFound)
	case err == auth.ErrOIDCLoginRequired:
		return s.render(c, fiber.StatusOK, views.OIDCReauthPage(props))
	case err == auth.ErrOIDCConsentRequired:
		return s.render(c, fiber.StatusOK, views.OIDCConsentPage(props))
	}
	return err
}

// oidcRequest loads a live request with what its sign-in step needs.
func (s *server) oidcRequest(c *fiber.Ctx, id string) (oidcStepRequest, oidcop.Prompt, error) {
	r, err := s.auth.OIDCRequest(c.UserContext(), id)
	if err != nil {
		return oidcStepRequest{}, oidcop.Prompt{}, err
	}
	p, err := oidcop.PromptOf(r)
	if err != nil {
		return oidcStepRequest{}, oidcop.Prompt{}, err
	}
	cl, err := s.auth.Client(c.UserContext(), r.ClientID)
	if err != nil {
		return oidcStepRequest{}, oidcop.Prompt{}, err
	}
	return oidcStepRequest{OIDCRequest: r, ClientName: cl.Name}, p, nil
}

type oidcStepRequest struct {
	auth.OIDCRequest
	ClientName string
}

// handleOIDCChoice answers the step pages (POST /authorize/continue, with
// CSRF): "reauth" ends this Gatehouse session (and its tokens) and signs
// in afresh; "allow" remembers the consent and goes on; "deny" tells the
// client access_denied.
func (s *server) handleOIDCChoice() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.FormValue("id")
		_, p, err := s.oidcRequest(c, id)
		if err != nil {
			return err
		}
		_, as := currentMember(c)
		if as == nil {
			return s.oidcStep(c, id)
		}
		switch c.FormValue("choice") {
		case "reauth":
			if err := s.auth.Logout(c.UserContext(), as.ID); err != nil {
				return err
			}
			sess(c).del(keySessionID)
			sess(c).set(keyReturn, pathContinue+"?id="+url.QueryEscape(id))
			return redirect(c, "/login")
		case "allow":
			if err := s.auth.GrantOIDCConsent(c.UserContext(), id, as.ID, p.Scopes); err != nil {
				return err
			}
			return s.oidcStep(c, id)
		case "deny":
			if err := s.auth.UseOIDCRequest(c.UserContext(), id); err != nil {
				return err
			}
			return c.Redirect(p.ErrorURL("access_denied"), fiber.StatusFound)
		}
		return fiber.NewError(fiber.StatusBadRequest, "Choose one of the buttons.")
	}
}

// resumeReturn sends a signed-in browser back to the sign-in step it left
// for /login (every sign-in ends on /account). Only a path of
// /authorize/continue is ever kept, so it cannot redirect off-site.
func (s *server) resumeReturn(c *fiber.Ctx) error {
	ps := sess(c)
	if m, _ := currentMember(c); m == nil || ps == nil {
		return c.Next()
	}
	to, _ := ps.get(keyReturn).(string)
	if to == "" {
		return c.Next()
	}
	ps.del(keyReturn)
	if !safeReturn(to) {
		return c.Next()
	}
	return redirect(c, to)
}

// safeReturn: a same-origin path of the continue page, nothing else.
func safeReturn(to string) bool {
	rest, ok := strings.CutPrefix(to, pathContinue+"?id=")
	return ok && !strings.ContainsAny(rest, "/\\#?&:") && len(rest) < 200
}
