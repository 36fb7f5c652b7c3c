package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// resetPassword implements seed 000 "Login › reset_password": the member
// named by login_id (a member id or an email, as a JSON string or number)
// changes the password given the current one. Every other session ends. The
// seed's sample response is empty; docs/contract.md §2 fixes
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
		// A token, when sent, names the session asking: the use case then
		// refuses a proxy session and checks login_id against nothing else.
		sid, err := api.SessionIfAny(c, d)
		if err == nil {
			err = d.Auth.ChangePassword(c.UserContext(), auth.ChangePasswordInput{
				SessionID: sid, LoginID: string(req.LoginID), Current: req.CurrentPassword, New: req.NewPassword,
				SignOutOthers: true, Meta: api.Meta(c),
			})
		}
		if err != nil {
			return respondError(c, api.RenameFields(err, map[string]string{
				"password": "new_password", "current": "current_password", "login": "login_id", "identifier": "login_id"}))
		}
		return c.JSON(message(msgPasswordChanged))
	}
}
