package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// newPasswordRequired implements seed 001 "New Password Required" (POST
// /v1/new-password-required): the session of a NEW_PASSWORD_REQUIRED
// challenge (3 min, single use, bound to the username) and a new password
// replace the temporary password and give tokens, like a login.
func newPasswordRequired(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req newPasswordRequiredRequest
		err := api.DecodeJSONOrForm(c, &req)
		if err == nil {
			err = api.Required("username", req.Username, "session", req.Session, "new_password", req.NewPassword)
		}
		if err != nil {
			return respondError(c, d, err)
		}
		_, t, err := d.Auth.CompleteNewPasswordTokens(c.UserContext(), req.Username, req.Session, req.NewPassword, auth.ViaWME, api.Meta(c))
		if err != nil {
			return respondError(c, d, wireFields(err, "password", "new_password", "challenge", "session",
				"identifier", "username", "email", "username"))
		}
		return c.JSON(tokensResponse(d, t))
	}
}
