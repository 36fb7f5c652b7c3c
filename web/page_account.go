package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleAccountShow renders the account page: profile, password, sessions.
func (s *server) handleAccountShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _ := currentMember(c)
		return s.renderAccount(c, fiber.StatusOK, views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{})
	}
}

// renderAccountFileError re-renders the account page with a refused
// upload's reason on the upload form, instead of a dead-end error page.
func (s *server) renderAccountFileError(c *fiber.Ctx, status int, msg string) error {
	m, _ := currentMember(c)
	return s.renderAccountWith(c, status, views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{}, msg)
}

// renderAccount renders the account page with the given form states.
func (s *server) renderAccount(c *fiber.Ctx, status int, profile views.ProfileForm, password views.PasswordForm) error {
	return s.renderAccountWith(c, status, profile, password, "")
}

// renderAccountWith is renderAccount with the upload form's error.
func (s *server) renderAccountWith(c *fiber.Ctx, status int, profile views.ProfileForm, password views.PasswordForm, fileErr string) error {
	m, current := currentMember(c)
	list, err := s.auth.ListSessions(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	rows := make([]views.SessionRow, 0, len(list))
	for _, x := range list {
		rows = append(rows, views.SessionRow{ID: x.ID, Current: x.ID == current.ID, Via: x.Via, IP: x.IP, UserAgent: x.UserAgent, CreatedAt: x.CreatedAt, LastUsedAt: x.LastUsedAt})
	}
	a := currentActor(c)
	targets, err := s.auth.ProxyTargets(c.UserContext(), a)
	if err != nil {
		return err
	}
	activity, err := s.auth.ProxyActivity(c.UserContext(), m.ID)
	if err != nil {
		return err
	}
	files, err := s.filesProps(c.UserContext(), a, m.ID, accountFilesAction)
	if err != nil {
		return err
	}
	identities, linkable, err := s.identityRows(c, m.ID)
	if err != nil {
		return err
	}
	files.Error = fileErr
	twoFactor, err := s.twoFactorProps(c)
	if err != nil {
		return err
	}
	passkeys, err := s.passkeysProps(c)
	if err != nil {
		return err
	}
	return s.render(c, status, views.AccountPage(views.AccountProps{Member: *m, Profile: profile, Password: password, Sessions: rows,
		ProxyTargets: targets, ProxyActivity: activity, Proxied: a.Proxied(), Files: files, Identities: identities, Linkable: linkable,
		TwoFactor: twoFactor, Passkeys: passkeys, Preferences: s.preferencesProps(c), Apps: s.appsProps(c)}))
}

// handleProfileSubmit saves name, username and bio. Only those fields are
// read from the form; the member is the signed-in one, never a form value.
func (s *server) handleProfileSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, _ := currentMember(c)
		in := auth.ProfileInput{Name: form(c, "name"), Username: form(c, "username"), Bio: form(c, "bio")}
		_, err := s.auth.UpdateProfile(c.UserContext(), m.ID, in)
		switch auth.ErrorCode(err) {
		case "":
			sess(c).flash("Your profile has been saved.")
			return redirect(c, "/account")
		case auth.EINVALID, auth.ECONFLICT:
			return s.renderAccount(c, fiber.StatusUnprocessableEntity,
				views.ProfileForm{Name: in.Name, Username: in.Username, Bio: in.Bio, Errors: fieldsOrForm(err)}, views.PasswordForm{})
		}
		return err
	}
}

// handlePasswordSubmit changes the password after checking the current one,
// optionally signing out every other session.
func (s *server) handlePasswordSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m, current := currentMember(c)
		confirm := form(c, "confirm_password")
		err := s.auth.ChangePassword(c.UserContext(), auth.ChangePasswordInput{
			SessionID:     current.ID,
			Meta:          clientMeta(c),
			Current:       form(c, "current_password"),
			New:           form(c, "new_password"),
			Confirm:       &confirm,
			SignOutOthers: c.FormValue("sign_out_others") == "1",
		})
		switch auth.ErrorCode(err) {
		case "":
			sess(c).flash("Your password has been changed.")
			return redirect(c, "/account")
		case auth.EINVALID, auth.EOTP:
			status := fiber.StatusUnprocessableEntity
			if auth.ErrorCode(err) == auth.EOTP {
				// A member with two-factor on, in a session that did not
				// pass it (internal/auth/change.go): refused, not a 500.
				status = fiber.StatusForbidden
			}
			return s.renderAccount(c, status,
				views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{Errors: fieldsOrForm(err)})
		}
		return err
	}
}

// handleSessionRevoke signs out one of the member's own sessions. Signing out
// the current one is a logout.
func (s *server) handleSessionRevoke() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrNotFound
		}
		if err := s.auth.RevokeOwnSession(c.UserContext(), current.ID, id); err != nil {
			return err
		}
		if id == current.ID {
			return s.endBrowserSession(c)
		}
		sess(c).flash("The session has been signed out.")
		return redirect(c, "/account")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
