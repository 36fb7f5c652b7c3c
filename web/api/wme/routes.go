// Package wme serves the Wikimedia Enterprise auth API (docs/contract.md §3,
// seed 001) under /v1/.
package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the wme dialect: seven POST operations, then a catch-all
// that answers every other /v1/ request in the wme envelope (404, or 405
// for a known path with the wrong method). Middleware is attached per route,
// never with Group, so nothing leaks onto other dialects.
func Routes(app fiber.Router, d api.Deps) {
	ops := []struct {
		path string
		h    fiber.Handler
	}{
		{"/v1/login", login(d)},
		{"/v1/token-refresh", tokenRefresh(d)},
		{"/v1/token-revoke", tokenRevoke(d)},
		{"/v1/forgot-password", forgotPassword(d)},
		{"/v1/forgot-password-confirm", forgotPasswordConfirm(d)},
		{"/v1/change-password", changePassword(d)},
		{"/v1/new-password-required", newPasswordRequired(d)},
	}
	known := make(map[string]bool, len(ops))
	for _, op := range ops {
		app.Post(op.path, api.NoStore, op.h)
		known[op.path] = true
	}
	catchAll := unknownRoute(known)
	app.All("/v1", catchAll)
	app.All("/v1/*", catchAll)
}
