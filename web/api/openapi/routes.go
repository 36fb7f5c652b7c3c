// Package openapi serves the "Authentication API v1.0.0" (docs/contract.md §6,
// seed 004) at /auth and /auth/… (the shared /auth/login and /auth/logout
// live in package directus, docs/contract.md §7).
package openapi

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the openapi dialect. It is mounted before directus, which
// owns GET /auth, the shared /auth/login and /auth/logout and the /auth/…
// catch-all, so this package registers no catch-all of its own. Middleware
// is attached per route: a Group's middleware would leak onto directus.
func Routes(app fiber.Router, d api.Deps) {
	app.Post("/auth", welcome(d))
	app.Post("/auth/register", api.NoStore, register(d))
	app.Post("/auth/refresh-tokens", api.NoStore, refreshTokens(d))
	app.Post("/auth/reset-password", api.NoStore, resetPassword(d))
	app.Post("/auth/forgot-password", forgotPassword(d))
}
