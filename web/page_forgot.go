package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
)

// handleForgotShow renders the forgot-password form.
func (s *server) handleForgotShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.render(c, fiber.StatusOK, views.ForgotPasswordPage(views.ForgotProps{}))
	}
}

// handleForgotSubmit queues a reset link when the account exists and answers
// the same page either way.
func (s *server) handleForgotSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		email := form(c, "email")
		if strings.TrimSpace(email) == "" {
			return s.render(c, fiber.StatusUnprocessableEntity, views.ForgotPasswordPage(views.ForgotProps{
				Errors: map[string]string{"email": "Enter your email address."},
			}))
		}
		if err := s.auth.RequestPasswordReset(c.UserContext(), email); err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.ForgotPasswordPage(views.ForgotProps{Sent: true}))
	}
}
