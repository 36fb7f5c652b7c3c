package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// handleLoginShow renders the sign-in form.
func (s *server) handleLoginShow() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if m, _ := currentMember(c); m != nil {
			return redirect(c, "/account")
		}
		if c.Query("signed_out") == "1" {
			sess(c).flash("You have been signed out.")
		}
		return s.render(c, fiber.StatusOK, views.LoginPage(views.LoginProps{Providers: s.providerLinks(), SetupCommand: s.setupHint(c)}))
	}
}

// setupHint is the first-Owner command for /login: only in dev, where the
// visitor is the operator, and only while no Account Owner exists.
func (s *server) setupHint(c *fiber.Ctx) string {
	if s.cfg.Prod || s.cfg.SetupCommand == "" {
		return ""
	}
	if need, err := s.auth.NeedsFirstOwner(c.UserContext()); err != nil || !need {
		return ""
	}
	return s.cfg.SetupCommand
}

// handleLoginSubmit checks the credentials. A failure answers 401 with the
// same page and message whether or not the account exists; success starts a
// new browser session (new id, new CSRF token).
func (s *server) handleLoginSubmit() fiber.Handler {
	return func(c *fiber.Ctx) error {
		identifier := form(c, "identifier")
		_, as, err := s.auth.Login(c.UserContext(), auth.LoginInput{
			Identifier: identifier,
			Password:   c.FormValue("password"),
			Via:        auth.ViaPage,
			Meta:       s.deviceMeta(c),
		})
		switch auth.ErrorCode(err) {
		case "":
			if err := s.signIn(c, as); err != nil {
				return err
			}
			return redirect(c, "/account")
		case auth.ENEWPASSWORD:
			sess(c).set(keyChallenge, auth.AsError(err).Challenge)
			return redirect(c, "/login/new-password")
		case auth.EOTP:
			sess(c).set(keyMFA, auth.AsError(err).Challenge)
			return redirect(c, "/login/otp")
		case auth.EUNAUTHORIZED, auth.EINVALID, auth.ERATELIMIT:
			if e := auth.AsError(err); e.RetryAfter > 0 {
				c.Set("Retry-After", retryAfter(e.RetryAfter))
			}
			status := fiber.StatusUnauthorized
			if auth.ErrorCode(err) == auth.ERATELIMIT {
				status = fiber.StatusTooManyRequests
			}
			return s.render(c, status, views.LoginPage(views.LoginProps{Identifier: identifier, Error: auth.ErrorMessage(err), Providers: s.providerLinks()}))
		}
		return err
	}
}
