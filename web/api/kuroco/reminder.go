package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// The reminder answers; step 1 answers the same for every email.
const (
	msgReminderSent    = "We've sent you an e-mail with the URL to change your password."
	msgPasswordChanged = "Password changed."
)

// reminder implements seed 000 "Login › reminder" in its two steps
// (docs/contract.md §2): {"email"} mails a link to the reset page (?token=) and
// a temporary password, answering the same whether or not the account
// exists; {"token","temp_pwd","login_pwd"} sets login_pwd as the new
// password. A body with any step-2 field is step 2.
func reminder(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req reminderRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondError(c, err)
		}
		if req.Token == nil && req.TempPwd == nil && req.LoginPwd == nil {
			return reminderRequestReset(c, d, req)
		}
		if req.Email != nil {
			return respondError(c, api.FieldProblem("email",
				`Send "email" alone to request a reminder, or "token", "temp_pwd" and "login_pwd" to set the new password.`))
		}
		token, temp, pwd := deref(req.Token), deref(req.TempPwd), deref(req.LoginPwd)
		if err := api.Required("token", token, "temp_pwd", temp, "login_pwd", pwd); err != nil {
			return respondError(c, err)
		}
		err := d.Auth.ResetWithTempPassword(c.UserContext(), token, temp, pwd, api.Meta(c))
		if err != nil {
			return respondError(c, api.RenameFields(err, map[string]string{
				"password": "login_pwd", "new_password": "login_pwd", "temp_password": "temp_pwd"}))
		}
		return c.JSON(message(msgPasswordChanged))
	}
}

// reminderRequestReset is reminder's step 1.
func reminderRequestReset(c *fiber.Ctx, d api.Deps, req reminderRequest) error {
	email := deref(req.Email)
	if err := api.Required("email", email); err != nil {
		return respondError(c, err)
	}
	err := d.Auth.RequestReset(c.UserContext(), auth.ResetRequest{Identifier: email, Mode: auth.ResetLinkTempPassword,
		Door: auth.ViaKuroco, IP: api.Meta(c).IP})
	if err != nil {
		return respondError(c, api.RenameFields(err, map[string]string{"identifier": "email"}))
	}
	return c.JSON(message(msgReminderSent))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
