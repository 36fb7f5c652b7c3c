package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
)

// handleActivityShow is "Security activity" (GET /account/activity): the
// member's recent sign-ins, live sessions and the proxy sessions into the
// account. A proxy session is refused (the domain's guard).
func (s *server) handleActivityShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		act, err := s.auth.SecurityActivity(c.UserContext(), current.ID)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.AccountActivityPage(views.ActivityProps{
			SignIns: act.SignIns, Sessions: act.Sessions, CurrentID: current.ID, Proxy: act.Proxy,
		}))
	}
}

// handleActivityEnd is a session's "Sign out" button on the activity page
// (POST /account/activity/sessions/{id}/end, CSRF): the domain ends one of
// the member's own sessions; ending the current one signs this browser out.
func (s *server) handleActivityEnd() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrNotFound
		}
		if err := s.auth.RevokeOwnSession(c.UserContext(), current.ID, id); err != nil {
			return err
		}
		if id == current.ID {
			return s.endBrowserSession(c)
		}
		sess(c).flash("The session has been signed out.")
		return redirect(c, "/account/activity")
	}
}
