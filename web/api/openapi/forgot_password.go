package openapi

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// forgotPassword implements `POST /auth/forgot-password` (docs/contract.md §6;
// the seed has no way to obtain a reset token, this is Gatehouse's
// extension). It answers 204 whether or not the email is known; the mailed
// link carries a token that also works at /auth/reset-password.
func forgotPassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req forgotPasswordRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, d.Log, err)
		}
		if err := api.Required("email", req.Email); err != nil {
			return respondError(c, d.Log, err)
		}
		err := d.Auth.RequestReset(c.UserContext(), auth.ResetRequest{Identifier: req.Email, Mode: auth.ResetLink,
			Door: auth.ViaOpenAPI, IP: api.Meta(c).IP})
		if err != nil {
			return respondError(c, d.Log, err)
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
