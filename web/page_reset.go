package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleResetShow renders the new-password form for a reset link, or says
// the link is no longer usable.
func (s *server) handleResetShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := c.Query("token")
		invited, err := s.auth.ResetTokenInvites(c.UserContext(), token, clientMeta(c))
		if err != nil {
			if code := auth.ErrorCode(err); code != auth.EUNAUTHORIZED && code != auth.EEXPIRED {
				return err
			}
			return s.render(c, fiber.StatusBadRequest, views.ResetPasswordPage(views.ResetProps{Invalid: true}))
		}
		return s.render(c, fiber.StatusOK, views.ResetPasswordPage(views.ResetProps{Token: token, Invited: invited}))
	}
}

// handleResetSubmit sets the new password. It does not sign anyone in: every
// session of the member ends, and the member signs in with the new password.
func (s *server) handleResetSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, password := form(c, "token"), c.FormValue("password")
		if c.FormValue("confirm") != password {
			return s.render(c, fiber.StatusUnprocessableEntity, views.ResetPasswordPage(views.ResetProps{
				Token: token, Errors: map[string]string{"confirm": "The passwords do not match."}, Invited: form(c, "invited") == "1",
			}))
		}
		err := s.auth.ResetPassword(c.UserContext(), token, password, clientMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			sess(c).del(keySessionID)
			sess(c).flash("Your password has been changed. Sign in with your new password.")
			return redirect(c, "/login")
		case auth.EINVALID:
			return s.render(c, fiber.StatusUnprocessableEntity, views.ResetPasswordPage(views.ResetProps{Token: token, Errors: fieldsOrForm(err), Invited: form(c, "invited") == "1"}))
		case auth.EUNAUTHORIZED, auth.EEXPIRED:
			return s.render(c, fiber.StatusBadRequest, views.ResetPasswordPage(views.ResetProps{Invalid: true}))
		}
		return err
	}
}
