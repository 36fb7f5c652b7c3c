package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleOTPShow asks a member with two-factor authentication for a code,
// once the password was accepted.
func (s *server) handleOTPShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, ok := sess(c).get(keyMFA).(string); !ok {
			return redirect(c, "/login")
		}
		return s.render(c, fiber.StatusOK, views.OTPPage(views.OTPProps{}))
	}
}

// handleOTPSubmit checks the code and signs the member in (with a new
// session id). Too many wrong codes end the pending login.
func (s *server) handleOTPSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		challenge, ok := sess(c).get(keyMFA).(string)
		if !ok {
			return redirect(c, "/login")
		}
		code, field := form(c, "otp"), "otp"
		if r := form(c, "recovery_code"); strings.TrimSpace(r) != "" {
			code, field = r, "recovery_code" // the same check: a recovery code is a code
		}
		_, as, err := s.auth.CompleteMFA(c.UserContext(), challenge, code, s.deviceMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			return redirect(c, "/account")
		case auth.EOTP:
			msg := auth.ErrorMessage(err)
			if auth.IsReplayedOTP(err) {
				msg = msgReplayedCode
			}
			return s.render(c, fiber.StatusUnauthorized, views.OTPPage(views.OTPProps{Errors: map[string]string{field: msg}}))
		case auth.EUNAUTHORIZED:
			sess(c).del(keyMFA)
			sess(c).flash(auth.ErrorMessage(err))
			return redirect(c, "/login")
		}
		return err
	}
}
