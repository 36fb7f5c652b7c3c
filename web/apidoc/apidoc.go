// Package apidoc serves the OpenAPI 3.1 description of every route
// Gatehouse serves (the pages briefly, and the five API dialects of
// api-contract §2–§7) at GET /openapi.json, and a readable reference page
// rendered by the vendored ReDoc (static/docs) at GET /docs.
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

// docsCSP is the Content-Security-Policy of /docs only. It differs from the
// site's policy in two places, both needed by ReDoc: style-src allows
// 'unsafe-inline' because ReDoc (styled-components) injects <style>
// elements at run time, and worker-src allows blob: because its search
// index runs in a Web Worker built from a Blob. Scripts stay 'self' only
// (no inline script: the start-up code is static/docs/init.js), and the
// page holds no secret and no form, so inline styles cannot leak anything.
const docsCSP = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; worker-src 'self' blob:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API reference</title>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
</head>
<body>
<noscript><p>This reference needs JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="redoc" data-spec-url="/openapi.json"></div>
<script src="/static/docs/redoc.standalone.js"></script>
<script src="/static/docs/init.js"></script>
</body>
</html>
`

// Page serves the reference page. It runs after the global security
// headers middleware and replaces its CSP with docsCSP (see there why).
func Page() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", docsCSP)
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(page)
	}
}
