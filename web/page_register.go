package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleRegisterShow renders the sign-up form.
func (s *server) handleRegisterShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if m, _ := currentMember(c); m != nil {
			return redirect(c, "/account")
		}
		return s.render(c, fiber.StatusOK, views.RegisterPage(views.RegisterProps{}))
	}
}

// handleRegisterSubmit creates the account and signs the new member in.
// Field problems re-render the form with the input kept (never passwords).
func (s *server) handleRegisterSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		confirm := form(c, "confirm")
		in := auth.RegisterInput{
			Name:     form(c, "name"),
			Email:    form(c, "email"),
			Username: form(c, "username"),
			Password: form(c, "password"),
			Confirm:  &confirm,
			Via:      auth.ViaPage,
			Meta:     clientMeta(c),
		}
		m, as, err := s.auth.Register(c.UserContext(), in)
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			sess(c).flash("Welcome, " + m.DisplayName() + "! Your account is ready.")
			return redirect(c, "/account")
		case auth.EINVALID, auth.ECONFLICT:
			props := views.RegisterProps{Name: in.Name, Email: in.Email, Username: in.Username, Errors: fieldsOrForm(err)}
			props.Error = props.Errors[""]
			return s.render(c, fiber.StatusUnprocessableEntity, views.RegisterPage(props))
		}
		return err
	}
}
