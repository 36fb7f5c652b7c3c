// Package apidoc serves the OpenAPI 3.1 description of every route
// Gatehouse serves (the pages briefly, and the five API dialects of
// docs/contract.md §2–§7) at GET /openapi.json, and the policy of the reference
// page at GET /docs (rendered by package web with the vendored ReDoc in
// static/docs).
//
// openapi.json is maintained by hand; TestDocumentCoversRoutes fails when a
// registered route is missing from it.
package apidoc

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/asset"
)

// Document is the OpenAPI 3.1 document, as served.
//
//go:embed openapi.json
var Document []byte

// spec is Document with its ETag, compressed once (package asset).
var spec = asset.New(Document, fiber.MIMEApplicationJSONCharsetUTF8)

// Spec serves Document as application/json.
func Spec() fiber.Handler {
	return func(c *fiber.Ctx) error {
		return spec.Serve(c, "public, max-age=300")
	}
}

// CSP is the Content-Security-Policy of /docs only (the page is rendered
// by package web, in the site's chrome). It differs from the site's policy
// in two places, both needed by ReDoc: style-src allows 'unsafe-inline'
// because ReDoc (styled-components) injects <style> elements at run time,
// and worker-src allows blob: because its search index runs in a Web
// Worker built from a Blob. Scripts stay 'self' only (no inline script: the
// start-up code is static/docs/init.js). form-action stays 'self' for the
// header's sign-out form; the page holds no other form and no secret
// beyond that form's masked CSRF token.
const CSP = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; worker-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
