package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/yeqown/go-qrcode/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// The two-factor section of the account page (views/account_twofactor.templ).
// The secret waiting for its first code is kept in the server-side browser
// session (the cookie holds only the session id), never in a form or a
// cookie; the recovery codes are rendered once and stored nowhere but as
// hashes.

const (
	keyTOTPSecret  = "tfa_secret" // a generated secret waiting for its first code
	keyTOTPURL     = "tfa_url"    // its otpauth:// URL, for the QR code
	localTwoFactor = "two_factor_form"
)

// msgReplayedCode is the pages' answer to a right code whose step was used.
const msgReplayedCode = "That code was already used — wait for the next code."

// twoFactorProps builds the section: the status, the pending setup, and
// the state a handler left in c.Locals (errors, fresh codes).
func (s *server) twoFactorProps(c *fiber.Ctx) (views.TwoFactorProps, error) {
	m, _ := currentMember(c)
	p, _ := c.Locals(localTwoFactor).(views.TwoFactorProps)
	st, err := s.auth.TwoFactor(c.UserContext(), m.ID)
	if err != nil {
		return p, err
	}
	p.Enabled, p.CodesLeft, p.Proxied = st.Enabled, st.RecoveryCodes, currentActor(c).Proxied()
	secret, _ := sess(c).get(keyTOTPSecret).(string)
	otpURL, _ := sess(c).get(keyTOTPURL).(string)
	if !st.Enabled && secret != "" && len(p.Codes) == 0 {
		svg, err := qrSVG(otpURL)
		if err != nil {
			return p, err
		}
		p.Setup, p.QRSVG, p.Secret = true, svg, groupSecret(secret)
	}
	return p, nil
}

// renderTwoFactor re-renders the account page with the section's state.
func (s *server) renderTwoFactor(c *fiber.Ctx, status int, p views.TwoFactorProps) error {
	c.Locals(localTwoFactor, p)
	m, _ := currentMember(c)
	return s.renderAccount(c, status, views.ProfileForm{Name: m.Name, Username: m.Username, Bio: deref(m.Bio)}, views.PasswordForm{})
}

// twoFactorError re-renders the form with err on field (or, for errors
// naming no field of the form, as the form's message); errors without a
// form answer go back to the caller.
func (s *server) twoFactorError(c *fiber.Ctx, formName, field string, err error) error {
	msg := auth.ErrorMessage(err)
	status := fiber.StatusUnprocessableEntity
	switch auth.ErrorCode(err) {
	case auth.EOTP:
		if auth.IsReplayedOTP(err) {
			msg = msgReplayedCode
		}
	case auth.EUNAUTHORIZED:
		if msg != "Incorrect password." {
			return err
		}
		status = fiber.StatusUnauthorized
	case auth.EINVALID:
	default: // rate limits, a proxy session, an ended session: web/errors.go

		return err
	}
	return s.renderTwoFactor(c, status, views.TwoFactorProps{Form: formName, Errors: map[string]string{field: msg}})
}

// handleTwoFactorSetup checks the password and starts a setup: a new
// secret waits in the session for its first code.
func (s *server) handleTwoFactorSetup() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		password := form(c, "tfa_password")
		if password == "" {
			return s.twoFactorError(c, "setup", "tfa_password", auth.FieldError("tfa_password", "Enter your current password."))
		}
		gen, err := s.auth.GenerateTOTP(c.UserContext(), current.ID, password, clientMeta(c))
		if err != nil {
			return s.twoFactorError(c, "setup", "tfa_password", err)
		}
		sess(c).set(keyTOTPSecret, gen.Secret)
		sess(c).set(keyTOTPURL, gen.OTPAuthURL)
		// No #fragment: a fragment target would stop the code input's
		// autofocus (which scrolls it into view anyway).
		return redirect(c, "/account")
	}
}

// handleTwoFactorEnable turns two-factor on with the pending secret once
// the code is right, and shows the recovery codes once.
func (s *server) handleTwoFactorEnable() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		secret, _ := sess(c).get(keyTOTPSecret).(string)
		if secret == "" {
			sess(c).flash("Two-factor setup expired. Start again.")
			return redirect(c, "/account#two-factor")
		}
		code := strings.TrimSpace(form(c, "tfa_code"))
		if code == "" {
			return s.twoFactorError(c, "confirm", "tfa_code", auth.FieldError("tfa_code", "Enter the 6-digit code from your app."))
		}
		codes, err := s.auth.EnableTOTPWithCodes(c.UserContext(), current.ID, secret, code, clientMeta(c))
		if err != nil {
			if auth.ErrorCode(err) == auth.EOTP {
				err = auth.FieldError("tfa_code", "That code is not right. Check the time on your phone and enter the current code.")
			}
			return s.twoFactorError(c, "confirm", "tfa_code", err)
		}
		sess(c).del(keyTOTPSecret)
		sess(c).del(keyTOTPURL)
		return s.renderTwoFactor(c, fiber.StatusOK, views.TwoFactorProps{Codes: codes})
	}
}

// handleTwoFactorCancel drops a pending setup.
func (s *server) handleTwoFactorCancel() fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess(c).del(keyTOTPSecret)
		sess(c).del(keyTOTPURL)
		return redirect(c, "/account#two-factor")
	}
}

// handleRecoveryRegenerate replaces the recovery codes (password or code)
// and shows the new ones once.
func (s *server) handleRecoveryRegenerate() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		password, code := form(c, "regen_password"), strings.TrimSpace(form(c, "regen_code"))
		if password == "" && code == "" {
			return s.twoFactorError(c, "regenerate", "regen_password",
				auth.FieldError("regen_password", "Enter your current password or a code."))
		}
		codes, err := s.auth.RegenerateRecoveryCodes(c.UserContext(), current.ID, password, code, clientMeta(c))
		if err != nil {
			field := "regen_password"
			if code != "" {
				field = "regen_code"
			}
			return s.twoFactorError(c, "regenerate", field, err)
		}
		return s.renderTwoFactor(c, fiber.StatusOK, views.TwoFactorProps{Codes: codes})
	}
}

// handleTwoFactorDisable turns two-factor off with the password and a
// code (from the app or a recovery code).
func (s *server) handleTwoFactorDisable() fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, current := currentMember(c)
		password := form(c, "off_password")
		code, field := strings.TrimSpace(form(c, "off_code")), "off_code"
		if r := strings.TrimSpace(form(c, "off_recovery")); r != "" {
			code, field = r, "off_recovery"
		}
		switch {
		case password == "":
			return s.twoFactorError(c, "disable", "off_password", auth.FieldError("off_password", "Enter your current password."))
		case code == "":
			return s.twoFactorError(c, "disable", "off_code", auth.FieldError("off_code", "Enter a code from your app or a recovery code."))
		}
		err := s.auth.DisableTwoFactor(c.UserContext(), current.ID, password, code, clientMeta(c))
		if err != nil {
			if auth.ErrorCode(err) == auth.EUNAUTHORIZED {
				field = "off_password"
			}
			return s.twoFactorError(c, "disable", field, err)
		}
		sess(c).flash("Two-factor authentication is off.")
		return redirect(c, "/account#two-factor")
	}
}

// groupSecret writes a base32 secret in groups of four for typing.
func groupSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// matrixCapture is a go-qrcode Writer keeping the code's modules.
type matrixCapture struct{ bits [][]bool }

func (w *matrixCapture) Write(m qrcode.Matrix) error { w.bits = m.Bitmap(); return nil }
func (w *matrixCapture) Close() error                { return nil }

// qrSVG renders text as a QR code in an SVG document: one path of unit
// squares with a 4-module quiet zone, drawn with presentation attributes
// only (the pages' CSP allows no inline style).
func qrSVG(text string) (string, error) {
	q, err := qrcode.New(text)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	var w matrixCapture
	if err := q.Save(&w); err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	const quiet = 4
	size := len(w.bits) + 2*quiet
	var path strings.Builder
	for y, row := range w.bits {
		for x, on := range row {
			if on {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="240" height="240" role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, size, size, path.String()), nil
}

// twoFactorRoutes registers the section's forms: the member's own
// session only (a proxy session is refused, and the forms show disabled).
func (s *server) twoFactorRoutes(page func(method, path string, h ...fiber.Handler)) {
	post := fiber.MethodPost
	page(post, "/account/two-factor/setup", requireMember, s.refuseProxied, s.handleTwoFactorSetup())
	page(post, "/account/two-factor/enable", requireMember, s.refuseProxied, s.handleTwoFactorEnable())
	page(post, "/account/two-factor/cancel", requireMember, s.refuseProxied, s.handleTwoFactorCancel())
	page(post, "/account/two-factor/recovery-codes", requireMember, s.refuseProxied, s.handleRecoveryRegenerate())
	page(post, "/account/two-factor/disable", requireMember, s.refuseProxied, s.handleTwoFactorDisable())
}
