package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

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
// browser signed in at Gatehouse goes straight back through the callback;
// otherwise to /login, and back here after every factor (keyReturn).
func (s *server) handleOIDCContinue() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Query("id")
		if _, err := s.auth.OIDCRequest(c.UserContext(), id); err != nil {
			return err
		}
		_, as := currentMember(c)
		if as == nil {
			sess(c).set(keyReturn, pathContinue+"?id="+url.QueryEscape(id))
			return redirect(c, "/login")
		}
		if err := s.auth.SignInOIDCRequest(c.UserContext(), id, as.ID); err != nil {
			return err
		}
		return redirect(c, oidcop.PathCallback+"?id="+url.QueryEscape(id))
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
