package web

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/views"
	"gatehouse/web/apidoc"
)

// handleDocs renders the API reference in the site's chrome, under the
// CSP ReDoc needs (see apidoc.CSP).
func (s *server) handleDocs() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", apidoc.CSP)
		return s.render(c, fiber.StatusOK, views.DocsPage())
	}
}
