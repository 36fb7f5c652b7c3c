package web

import "github.com/gofiber/fiber/v2"

// handleHome sends members to their account and everyone else to sign in.
func (s *server) handleHome() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if m, _ := currentMember(c); m != nil {
			return redirect(c, "/account")
		}
		return redirect(c, "/login")
	}
}
