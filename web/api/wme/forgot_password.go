package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// forgotPassword implements seed 001 "Forgot Password" (POST
// /v1/forgot-password): a known user (username or email) is mailed an
// 8-character confirmation code for /v1/forgot-password-confirm. The answer
// is 204 whether or not the user exists.
func forgotPassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req forgotPasswordRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("username", req.Username)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		err = d.Auth.RequestReset(c.UserContext(), auth.ResetRequest{Identifier: req.Username, Mode: auth.ResetCode,
			Door: auth.ViaWME, IP: api.Meta(c).IP})
		if err != nil {
			return respondError(c, d, wireFields(err, "identifier", "username", "email", "username"))
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
