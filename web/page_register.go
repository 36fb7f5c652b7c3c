package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// msgInviteInvalid is the form-level error for an unusable invitation link;
// the normal sign-up form is still offered.
const msgInviteInvalid = "This invitation link is invalid or has expired. You can still create an account below, or ask for a new invitation."

// handleRegisterShow renders the sign-up form. With ?invite=TOKEN (the link
// of an invitation mail, docs/contract.md §4) the invited email is prefilled and
// locked; an invalid or expired invitation shows the normal form with a
// form-level error.
func (s *server) handleRegisterShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if m, _ := currentMember(c); m != nil {
			return redirect(c, "/account")
		}
		var props views.RegisterProps
		if invite := strings.Clone(c.Query("invite")); invite != "" {
			c.Set("Referrer-Policy", "no-referrer") // keep the token out of Referer headers
			email, err := s.auth.CheckInvite(c.UserContext(), invite)
			switch {
			case err == nil:
				props = views.RegisterProps{Invite: invite, Email: email, EmailLocked: true}
			case auth.ErrorCode(err) == auth.EINTERNAL:
				return err
			default:
				props.Error = msgInviteInvalid
			}
		}
		props.Providers = s.providerLinks()
		return s.render(c, fiber.StatusOK, views.RegisterPage(props))
	}
}

// handleRegisterSubmit creates the account, or, for an email that is
// already registered, mails its owner instead; either way it answers the
// same "check your inbox" page with the same status and nobody is signed in
// (docs/security.md B7: signing the new member in would tell them apart). The page
// and the welcome mail say the same thing, and the page's primary button
// is the next step, "Sign in" (docs/decisions.md, issue 13). The form's invite (when joining by invitation) goes to
// the service, which holds the email to the invited one and counts it as
// verified. Field problems re-render the form with the input kept (never
// passwords); they reveal nothing about other accounts.
func (s *server) handleRegisterSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		confirm := form(c, "confirm")
		in := auth.RegisterInput{
			Name:      form(c, "name"),
			FirstName: form(c, "first_name"),
			LastName:  form(c, "last_name"),
			Email:     form(c, "email"),
			Username:  form(c, "username"),
			Password:  form(c, "password"),
			Confirm:   &confirm,
			Invite:    form(c, "invite"),
			Via:       auth.ViaPage,
			Meta:      clientMeta(c),
		}
		if in.Invite != "" {
			c.Set("Referrer-Policy", "no-referrer")
		}
		_, err := s.auth.RegisterOrNotify(c.UserContext(), in)
		switch auth.ErrorCode(err) {
		case "":
			return s.render(c, fiber.StatusOK, views.RegisterSentPage())
		case auth.EINVALID, auth.ECONFLICT, auth.EEXPIRED, auth.ENOTFOUND, auth.EUNAUTHORIZED:
			props := registerRetryProps(in, err)
			props.Providers = s.providerLinks()
			return s.render(c, fiber.StatusUnprocessableEntity, views.RegisterPage(props))
		}
		return err
	}
}

// registerRetryProps re-renders the form after a failed submit. While the
// invitation holds, it stays in the form with the email locked; when the
// invitation itself is the problem, the form falls back to a normal
// sign-up with a form-level error.
func registerRetryProps(in auth.RegisterInput, err error) views.RegisterProps {
	props := views.RegisterProps{Name: in.Name, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Username: in.Username, Errors: fieldsOrForm(err)}
	props.Error = props.Errors[""]
	if in.Invite == "" {
		return props
	}
	switch msg, bad := props.Errors["invite"]; {
	case bad:
		props.Error = msg
	case auth.ErrorCode(err) == auth.EEXPIRED || auth.ErrorCode(err) == auth.ENOTFOUND || auth.ErrorCode(err) == auth.EUNAUTHORIZED:
		props.Error = msgInviteInvalid
	default:
		props.Invite, props.EmailLocked = in.Invite, true
	}
	return props
}
