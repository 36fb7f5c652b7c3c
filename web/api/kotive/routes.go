// Package kotive serves the Kotive API's authentication (api-contract §4,
// seed 002) under /api/.
package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the kotive dialect.
func Routes(app fiber.Router, d api.Deps) {}
