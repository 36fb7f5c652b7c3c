package directus

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// defaultLoginFloor pads failed logins when the configuration says 0.
const defaultLoginFloor = 500 * time.Millisecond

// login is POST /auth/login (seed 003 "Login"; docs/contract.md §7, shared with
// openapi): one handler, both contracts, the combined error envelope.
func login(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req loginRequest
		if err := api.DecodeJSON(c, &req); err != nil {
			return respondCombined(c, d, err)
		}
		res, err := doLogin(c, d, req)
		if err != nil {
			return respondCombined(c, d, err)
		}
		return c.JSON(res.body)
	}
}

// doLogin validates a login, calls LoginTokenSet and issues the tokens in
// the requested mode. Every failure is padded to the configured floor, so the
// time taken reveals nothing about the account (docs/security.md B5, B6).
func doLogin(c *fiber.Ctx, d api.Deps, req loginRequest) (issued, error) {
	start := time.Now()
	mode, err := parseMode(req.Mode, modeJSON)
	if err == nil && mode != modeJSON {
		err = auth.CookieSignIn(api.Meta(c)) // the answer sets a cookie
	}
	if err == nil {
		err = api.Required("email", req.Email, "password", req.Password)
	}
	var (
		m    auth.Member
		sets []auth.Tokens
	)
	if err == nil {
		m, sets, err = d.Auth.LoginTokenSet(c.UserContext(), auth.LoginInput{
			Identifier: strings.Clone(req.Email),
			Password:   req.Password,
			OTP:        strings.TrimSpace(req.OTP),
			Via:        auth.ViaDirectus,
			Meta:       api.Meta(c),
		}, loginRequests(mode)...)
	}
	if err != nil {
		pad(c.UserContext(), start, loginFloor(d))
		return issued{}, err
	}
	var view *auth.Tokens
	if len(sets) > 1 {
		view = &sets[1]
	}
	return issue(c, d, m, sets[0], view, mode), nil
}

// loginFloor is the minimum duration of a failed login.
func loginFloor(d api.Deps) time.Duration {
	switch f := d.Config.DirectusLoginFloor; {
	case f == 0:
		return defaultLoginFloor
	case f < 0:
		return 0
	default:
		return time.Duration(f) * time.Millisecond
	}
}

// pad waits until floor has passed since start (or ctx ends).
func pad(ctx context.Context, start time.Time, floor time.Duration) {
	wait := floor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
