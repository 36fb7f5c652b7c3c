// Package kotive serves the Kotive API's authentication (docs/contract.md §4,
// seed 002) under /api/: HTTP Basic login returning an authToken, password
// reset (or invitation) by email, and logout.
package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the kotive dialect. Middleware is attached per route; the
// catch-all for /api comes last so that unknown routes (and known paths
// with another method) answer 404 in the kotive envelope.
func Routes(app fiber.Router, d api.Deps) {
	app.Get("/api/login", api.NoStore, login(d))
	app.Post("/api/login", api.NoStore, login(d))
	app.Post("/api/user/resetpassword", api.NoStore, resetPassword(d))
	app.Post("/api/logout", api.NoStore, logout(d))
	app.All("/api", notFound)
	app.All("/api/*", notFound)
}

// notFound answers every other route under /api/.
func notFound(c *fiber.Ctx) error {
	return c.Status(fiber.StatusNotFound).JSON(errorBody{Message: "No such endpoint: " + c.Method() + " " + c.Path() + "."})
}
