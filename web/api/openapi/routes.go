// Package openapi serves the "Authentication API v1.0.0" (api-contract §6,
// seed 004) at /auth and /auth/… (the shared /auth/login and /auth/logout
// live in package directus, api-contract §7).
package openapi

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the openapi dialect.
func Routes(app fiber.Router, d api.Deps) {}
