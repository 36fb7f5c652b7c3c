package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleNewPasswordShow asks a member who signed in with a temporary password
// for their own password.
func (s *server) handleNewPasswordShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, ok := sess(c).get(keyChallenge).(string); !ok {
			return redirect(c, "/login")
		}
		return s.render(c, fiber.StatusOK, views.NewPasswordPage(views.NewPasswordProps{}))
	}
}

// handleNewPasswordSubmit completes the NEW_PASSWORD_REQUIRED challenge and
// signs the member in.
func (s *server) handleNewPasswordSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		challenge, ok := sess(c).get(keyChallenge).(string)
		if !ok {
			return redirect(c, "/login")
		}
		password := c.FormValue("password")
		if c.FormValue("confirm") != password {
			return s.render(c, fiber.StatusUnprocessableEntity, views.NewPasswordPage(views.NewPasswordProps{
				Errors: map[string]string{"confirm": "The passwords do not match."},
			}))
		}
		_, as, err := s.auth.CompleteNewPassword(c.UserContext(), challenge, password, auth.ViaPage, s.deviceMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			sess(c).flash("Your new password is set. Welcome!")
			return redirect(c, "/account")
		case auth.EINVALID:
			return s.render(c, fiber.StatusUnprocessableEntity, views.NewPasswordPage(views.NewPasswordProps{Errors: fieldsOrForm(err)}))
		case auth.EUNAUTHORIZED:
			sess(c).del(keyChallenge)
			sess(c).flash(auth.ErrorMessage(err))
			return redirect(c, "/login")
		}
		return err
	}
}
