package openapi

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// resetPassword implements `POST /auth/reset-password?token=` (seed 004,
// post__auth_reset-password). Any reset token Gatehouse mails works here
// (docs/contract.md §6). It does not log the member in: every session ends.
func resetPassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := strings.Clone(c.Query("token"))
		var req resetPasswordRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d.Log, err)
		}
		if err := api.Required("token", token, "password", req.Password); err != nil {
			return respondError(c, d.Log, err)
		}
		if err := d.Auth.ResetPassword(c.UserContext(), token, req.Password, api.Meta(c)); err != nil {
			return respondError(c, d.Log, err)
		}
		return c.JSON(fiber.Map{})
	}
}
