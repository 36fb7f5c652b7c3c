package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// forgotPasswordConfirm implements seed 001 "Forgot Password Confirmation"
// (POST /v1/forgot-password-confirm): the username, the mailed
// confirmation code and a new password set the password. A wrong, expired
// or exhausted code is 401; a password the policy refuses is 422.
func forgotPasswordConfirm(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req forgotPasswordConfirmRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("username", req.Username, "password", req.Password, "confirmation_code", req.ConfirmationCode)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		err = d.Auth.ResetWithCode(c.UserContext(), req.Username, req.ConfirmationCode, req.Password, api.Meta(c))
		if err != nil {
			return respondError(c, d, wireFields(err, "new_password", "password", "code", "confirmation_code",
				"identifier", "username", "email", "username"))
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
