package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// resetPassword implements seed 000 "Login › reset_password": the member
// named by login_id (a member id or an email, as a JSON string or number)
// changes the password given the current one. Every other session ends. The
// seed's sample response is empty; api-contract §2 fixes
// {"errors":[],"messages":["Password changed."]}.
func resetPassword(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req resetPasswordRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		if err := api.Required("login_id", string(req.LoginID), "current_password", req.CurrentPassword,
			"new_password", req.NewPassword); err != nil {
			return respondError(c, err)
		}
		err := d.Auth.ChangePasswordWithCurrent(c.UserContext(), string(req.LoginID), req.CurrentPassword, req.NewPassword)
		if err != nil {
			return respondError(c, api.RenameFields(err, map[string]string{
				"password": "new_password", "current": "current_password", "login": "login_id", "identifier": "login_id"}))
		}
		return c.JSON(message(msgPasswordChanged))
	}
}
