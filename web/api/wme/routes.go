// Package wme serves the Wikimedia Enterprise auth API (api-contract §3,
// seed 001) under /v1/.
package wme

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// Routes mounts the wme dialect.
func Routes(app fiber.Router, d api.Deps) {}
