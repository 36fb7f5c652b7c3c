package web

import (
	"github.com/gofiber/fiber/v2"
)

// handleLogout ends the session (POST with CSRF only; there is no GET
// logout a third-party page could trigger).
func (s *server) handleLogout() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, as := currentMember(c); as != nil {
			if err := s.auth.Logout(c.UserContext(), as.ID); err != nil {
				return err
			}
		}
		// Signing out while acting as someone signs the real member out too.
		if back, ok := sess(c).get(keyProxyReturn).(int64); ok {
			if err := s.auth.Logout(c.UserContext(), back); err != nil {
				return err
			}
		}
		return s.endBrowserSession(c)
	}
}

// endBrowserSession deletes the browser session server-side, asks the browser
// to drop its cookies and cache, and goes to the sign-in page.
func (s *server) endBrowserSession(c *fiber.Ctx) error {
	if err := sess(c).destroy(); err != nil {
		return err
	}
	c.Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	return redirect(c, "/login?signed_out=1")
}
