package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleForgotShow renders the forgot-password form.
func (s *server) handleForgotShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return s.render(c, fiber.StatusOK, views.ForgotPasswordPage(views.ForgotProps{}))
	}
}

// handleForgotSubmit records the request (the outbox worker mails a reset
// link when the account exists) and answers the same page either way; over
// the per-IP or per-address limit the form comes back with 429, the
// message and Retry-After.
func (s *server) handleForgotSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		email := form(c, "email")
		if strings.TrimSpace(email) == "" {
			return s.render(c, fiber.StatusUnprocessableEntity, views.ForgotPasswordPage(views.ForgotProps{
				Errors: map[string]string{"email": "Enter your email address."},
			}))
		}
		err := s.auth.RequestReset(c.UserContext(), auth.ResetRequest{Identifier: email, Door: auth.ViaPage, IP: clientMeta(c).IP})
		if auth.ErrorCode(err) == auth.ERATELIMIT {
			c.Set(fiber.HeaderRetryAfter, retryAfter(auth.AsError(err).RetryAfter))
			return s.render(c, fiber.StatusTooManyRequests, views.ForgotPasswordPage(views.ForgotProps{
				Email: email, Errors: fieldsOrForm(err),
			}))
		}
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusOK, views.ForgotPasswordPage(views.ForgotProps{Sent: true}))
	}
}
