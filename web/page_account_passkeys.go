package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// The account page's passkeys section (views/account_passkeys.templ): the
// list, rename and remove as plain forms, and the add ceremony as JSON for
// static/passkey.js (internal/auth/passkey.go decides everything).

// passkeysProps loads the member's passkeys for the account page.
func (s *server) passkeysProps(c *fiber.Ctx) (views.PasskeysProps, error) {
	m, _ := currentMember(c)
	keys, err := s.auth.Passkeys(c.UserContext(), m.ID)
	if err != nil {
		return views.PasskeysProps{}, err
	}
	rows := make([]views.PasskeyRow, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, views.PasskeyRow{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt})
	}
	errs, _ := c.Locals(localPasskeyErrors).(map[string]string)
	return views.PasskeysProps{Rows: rows, Proxied: currentActor(c).Proxied(), Errors: errs}, nil
}

// handlePasskeyAddBegin starts adding a passkey for the signed-in member.
func (s *server) handlePasskeyAddBegin() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, as := currentMember(c)
		options, state, err := s.auth.BeginPasskeyRegistration(c.UserContext(), as.ID)
		if err != nil {
			return passkeyError(c, err)
		}
		return passkeyOptions(c, options, state)
	}
}

// handlePasskeyAddFinish stores the new passkey under its name. A form
// posted without JavaScript (no ceremony) is sent back with a note.
func (s *server) handlePasskeyAddFinish() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) {
			sess(c).flash("Adding a passkey needs JavaScript and a browser that supports passkeys.")
			return redirect(c, "/account#passkeys")
		}
		_, as := currentMember(c)
		state := takePasskeyState(c)
		_, err := s.auth.FinishPasskeyRegistration(c.UserContext(), as.ID, state, form(c, "name"), []byte(c.FormValue("response")), clientMeta(c))
		if err != nil {
			return passkeyError(c, err)
		}
		sess(c).flash("Your passkey has been added.")
		return c.JSON(fiber.Map{"redirect": "/account#passkeys"})
	}
}

// passkeyID reads the :id of the passkey routes; 0 when malformed.
func passkeyID(c *fiber.Ctx) int64 {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// handlePasskeyRename renames one of the member's passkeys.
func (s *server) handlePasskeyRename() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, as := currentMember(c)
		err := s.auth.RenamePasskey(c.UserContext(), as.ID, passkeyID(c), form(c, "name"), clientMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			sess(c).flash("Your passkey has been renamed.")
			return redirect(c, "/account#passkeys")
		case auth.EINVALID:
			return s.renderAccountPasskeyError(c, fiber.StatusUnprocessableEntity, err)
		case auth.ENOTFOUND:
			return fiber.NewError(fiber.StatusNotFound, "No such passkey.")
		}
		return err
	}
}

// handlePasskeyRemove removes one of the member's passkeys once the
// confirmation box is ticked.
func (s *server) handlePasskeyRemove() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.FormValue("confirm") != "yes" {
			return s.renderAccountPasskeyError(c, fiber.StatusUnprocessableEntity,
				auth.FieldError("form", "Tick the box to confirm that the passkey should be removed."))
		}
		_, as := currentMember(c)
		err := s.auth.RemovePasskey(c.UserContext(), as.ID, passkeyID(c), clientMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			sess(c).flash("Your passkey has been removed.")
			return redirect(c, "/account#passkeys")
		case auth.ENOTFOUND:
			return fiber.NewError(fiber.StatusNotFound, "No such passkey.")
		}
		return err
	}
}

// renderAccountPasskeyError re-renders the account page with the error on
// the passkeys section.
func (s *server) renderAccountPasskeyError(c *fiber.Ctx, status int, err error) error {
	c.Locals(localPasskeyErrors, fieldsOrForm(err))
	m, _ := currentMember(c)
	return s.renderAccountWith(c, status, views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{}, "")
}

// localPasskeyErrors carries the passkeys section's errors to renderAccountWith.
const localPasskeyErrors = "passkey_errors"
