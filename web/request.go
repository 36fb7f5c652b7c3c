package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// clientMeta describes the caller for sessions and audit. Strings are
// copied: Fiber reuses its buffers after the handler returns.
func clientMeta(c *fiber.Ctx) auth.ClientMeta {
	return auth.ClientMeta{IP: strings.Clone(c.IP()), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
}

// form returns a copy of a form value.
func form(c *fiber.Ctx, key string) string { return strings.Clone(c.FormValue(key)) }
