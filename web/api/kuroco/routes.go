// Package kuroco serves the Kuroco "Authentication" endpoints
// (api-contract §2, seed 000) under /rcms-api/{api_id}/.
package kuroco

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the kuroco dialect.
func Routes(app fiber.Router, d api.Deps) {}
