package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// keyProxyReturn holds, inside the browser session of a proxy login, the id
// of A's own auth session, restored by POST /proxy/stop.
const keyProxyReturn = "proxy_return_sid"

// handleProxyStart is "Log in as…" (POST /proxy/start/{id}, CSRF): A's own
// browser session becomes a proxy session as the target under a fresh
// browser session id (docs/security.md S2, X5); A's session id is kept to return
// to. Every refusal is the domain's one 403.
func (s *server) handleProxyStart() fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := currentActor(c)
		ps := sess(c)
		// Only a cookie session can be swapped for a proxy session; a page
		// request carrying an API token cannot.
		if sid, _ := ps.get(keySessionID).(int64); sid == 0 || sid != a.Session.ID {
			return fiber.NewError(fiber.StatusForbidden, "Sign in on this page to log in as another member.")
		}
		id, _ := strconv.ParseInt(c.Params("id"), 10, 64) // junk → 0 → the same refusal
		// The "Log in as" buttons post no reason: ask for it first.
		reasonProps := views.ProxyReasonProps{TargetID: id, MaxAge: s.proxyMinutes()}
		if !c.Request().PostArgs().Has("reason") {
			return s.render(c, fiber.StatusOK, views.ProxyReasonPage(reasonProps))
		}
		reason := c.FormValue("reason")
		target, proxy, err := s.auth.StartProxy(c.UserContext(), a, id, auth.ViaPage, reason)
		if auth.ErrorCode(err) == auth.EINVALID {
			reasonProps.Reason, reasonProps.Errors = reason, fieldsOrForm(err)
			return s.render(c, fiber.StatusUnprocessableEntity, views.ProxyReasonPage(reasonProps))
		}
		if err != nil {
			return err
		}
		if err := s.signIn(c, proxy); err != nil {
			return err
		}
		ps.set(keyProxyReturn, a.Session.ID)
		ps.flash("You are now acting as " + target.DisplayName() + ".")
		return redirect(c, "/account")
	}
}

// handleProxyStop is the banner's return button (POST /proxy/stop, CSRF): it
// ends the proxy session and gives A's own session back under a fresh
// browser session id, or signs A out when that session has ended meanwhile.
func (s *server) handleProxyStop() fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := currentActor(c)
		if !a.Proxied() {
			return redirect(c, "/account")
		}
		ps := sess(c)
		back, _ := ps.get(keyProxyReturn).(int64)
		if err := s.auth.StopProxy(c.UserContext(), a); err != nil {
			return err
		}
		m, own, ok, err := s.auth.ReturnSession(c.UserContext(), a, back)
		if err != nil {
			return err
		}
		if !ok {
			return s.endBrowserSession(c)
		}
		if err := s.signIn(c, own); err != nil {
			return err
		}
		ps.flash("Welcome back, " + m.DisplayName() + ".")
		return redirect(c, "/account")
	}
}

// refuseProxied guards account-security forms (password, profile, sessions,
// reset request) against proxy sessions (docs/security.md X4): the domain decides
// through GuardProxy.
func (s *server) refuseProxied(c *fiber.Ctx) error {
	if _, as := currentMember(c); as != nil {
		if err := s.auth.GuardProxy(c.UserContext(), as.ID); err != nil {
			return err
		}
	}
	return c.Next()
}

// proxyBanner returns the banner of a proxy session, nil otherwise. A
// failure to load the names still shows the banner.
func (s *server) proxyBanner(c *fiber.Ctx) *views.ProxyBanner {
	_, as := currentMember(c)
	if as == nil || as.ActorID == 0 {
		return nil
	}
	actor, target, err := s.auth.ProxyBanner(c.UserContext(), *as)
	if err != nil {
		s.log.Error("proxy banner", "request_id", reqID(c), "err", err.Error())
		actor, target = "your own account", "another member"
	}
	return &views.ProxyBanner{ActorName: actor, TargetName: target}
}

// proxyMinutes is the hard cap of a proxy session, in minutes.
func (s *server) proxyMinutes() int { return int(s.auth.Config().ProxyMaxAge.Minutes()) }
