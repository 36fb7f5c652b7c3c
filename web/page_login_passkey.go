package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// Passkey ceremonies of the sign-in pages (internal/auth/passkey_login.go).
// static/passkey.js posts them as forms (with _csrf, like every page POST)
// and reads JSON back: {"options": …} from begin, {"redirect": …} or
// {"error": …} from finish.

// keyPasskey holds the state of the one passkey ceremony under way in this
// browser session; finishing takes it out (single use).
const keyPasskey = "passkey"

// passkeyOptions answers a begin step, keeping its ceremony state.
func passkeyOptions(c *fiber.Ctx, options []byte, state string) error {
	sess(c).set(keyPasskey, state)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(append(append([]byte(`{"options":`), options...), '}'))
}

// takePasskeyState removes and returns the ceremony state (empty: none).
func takePasskeyState(c *fiber.Ctx) string {
	state, _ := sess(c).get(keyPasskey).(string)
	sess(c).del(keyPasskey)
	return state
}

// passkeyError answers a refused ceremony step in JSON, with the status
// the pages use for the error's code.
func passkeyError(c *fiber.Ctx, err error) error {
	status := 0
	switch auth.ErrorCode(err) {
	case auth.EUNAUTHORIZED:
		status = fiber.StatusUnauthorized
	case auth.EFORBIDDEN, auth.EOTP:
		status = fiber.StatusForbidden
	case auth.EINVALID:
		status = fiber.StatusUnprocessableEntity
	case auth.ECONFLICT:
		status = fiber.StatusConflict
	case auth.ENOTFOUND:
		status = fiber.StatusNotFound
	case auth.ERATELIMIT:
		status = fiber.StatusTooManyRequests
		if e := auth.AsError(err); e.RetryAfter > 0 {
			c.Set("Retry-After", retryAfter(e.RetryAfter))
		}
	default:
		return err
	}
	body := fiber.Map{"error": auth.ErrorMessage(err)}
	if f := auth.ErrorFields(err); len(f) > 0 {
		body["fields"] = f
	}
	return c.Status(status).JSON(body)
}

// handlePasskeyLoginBegin starts a sign-in with a discoverable passkey.
func (s *server) handlePasskeyLoginBegin() fiber.Handler {
	return func(c *fiber.Ctx) error {
		options, state, err := s.auth.BeginPasskeyLogin(c.UserContext())
		if err != nil {
			return passkeyError(c, err)
		}
		return passkeyOptions(c, options, state)
	}
}

// handlePasskeyLoginFinish verifies the passkey and signs the member in
// (new browser session id): a passkey is two factors, so there is no code
// step.
func (s *server) handlePasskeyLoginFinish() fiber.Handler {
	return func(c *fiber.Ctx) error {
		state := takePasskeyState(c)
		_, as, err := s.auth.FinishPasskeyLogin(c.UserContext(), state, []byte(c.FormValue("response")), s.deviceMeta(c))
		if err != nil {
			return passkeyError(c, err)
		}
		if err := s.signIn(c, as); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"redirect": "/account"})
	}
}

// handlePasskeySecondBegin starts using a passkey instead of the code on
// /login/otp: only the passkeys of the member whose password was accepted.
func (s *server) handlePasskeySecondBegin() fiber.Handler {
	return func(c *fiber.Ctx) error {
		challenge, _ := sess(c).get(keyMFA).(string)
		options, state, err := s.auth.BeginPasskeySecondFactor(c.UserContext(), challenge, s.deviceMeta(c))
		if err != nil {
			return passkeyError(c, err)
		}
		return passkeyOptions(c, options, state)
	}
}

// handlePasskeySecondFinish completes the password sign-in with the passkey.
func (s *server) handlePasskeySecondFinish() fiber.Handler {
	return func(c *fiber.Ctx) error {
		challenge, _ := sess(c).get(keyMFA).(string)
		state := takePasskeyState(c)
		_, as, err := s.auth.CompleteMFAWithPasskey(c.UserContext(), challenge, state, []byte(c.FormValue("response")), s.deviceMeta(c))
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			return c.JSON(fiber.Map{"redirect": "/account"})
		case auth.ENEWPASSWORD:
			sess(c).del(keyMFA)
			sess(c).set(keyChallenge, auth.AsError(err).Challenge)
			return c.JSON(fiber.Map{"redirect": "/login/new-password"})
		}
		return passkeyError(c, err)
	}
}
