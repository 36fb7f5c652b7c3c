package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// resetPassword is seed 002 "Password reset": POST /api/user/resetpassword
// {"email"} mails a reset link to a known member and an invitation to the
// register page to an unknown address, and answers the plain text OK either
// way.
func resetPassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in resetPasswordRequest
		if err := api.DecodeJSON(c, &in); err != nil {
			return respondError(c, d, err)
		}
		if err := api.Required("email", in.Email); err != nil {
			return respondError(c, d, err)
		}
		err := d.Auth.RequestReset(c.UserContext(), auth.ResetRequest{Identifier: in.Email, Mode: auth.ResetOrInvite,
			Door: auth.ViaKotive, IP: api.Meta(c).IP})
		if err != nil {
			return respondError(c, d, err)
		}
		return ok(c)
	}
}

// ok is the plain-text success answer of resetpassword and logout.
func ok(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(fiber.StatusOK).SendString("OK")
}
