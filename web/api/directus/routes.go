// Package directus serves Directus auth (api-contract §5, seed 003) under
// /auth/…, /users/me/tfa/… and /graphql/system, and the /auth/login and
// /auth/logout routes it shares with openapi (§7).
package directus

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the directus dialect.
func Routes(app fiber.Router, d api.Deps) {}
