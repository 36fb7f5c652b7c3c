package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"gatehouse/static"
	"gatehouse/web/asset"
)

// Static files: fingerprinted URLs (static.URL) are cached for a year as
// immutable; plain URLs are revalidated with their ETag. Each body is
// compressed once, on first use (package asset).

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "public, no-cache"
)

// staticBodies holds one asset.Body per embedded file, shared by every app
// in the process so each is compressed once.
var staticBodies = sync.OnceValue(func() map[string]*asset.Body {
	m := map[string]*asset.Body{}
	_ = fs.WalkDir(static.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.Content(name)
		if err != nil {
			return err
		}
		m[name] = asset.New(b, contentType(name))
		return nil
	})
	return m
})

// contentType is the media type of a static file, UTF-8 for text.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".md", ".txt", "":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// handleStatic serves GET /static/*.
func handleStatic(c *fiber.Ctx) error {
	name, immutable, ok := static.Resolve(strings.Clone(c.Params("*")))
	if !ok {
		return fiber.ErrNotFound
	}
	cache := cacheRevalidate
	if immutable {
		cache = cacheImmutable
	}
	return staticBodies()[name].Serve(c, cache)
}

// compressResponses compresses HTML and JSON answers (brotli or gzip, as
// the client accepts) on the fly. Bodies that already carry a
// Content-Encoding (static files, the OpenAPI document) pass untouched, and
// member files are skipped: they are often compressed already, and a
// download should arrive as stored.
var compressResponses = compress.New(compress.Config{
	Level: compress.LevelDefault,
	Next: func(c *fiber.Ctx) bool {
		return strings.Contains(c.Path(), "/files")
	},
})

// Compressing a page that holds a secret (the CSRF token) next to text an
// attacker may choose (a search query) would open the BREACH side channel,
// so the token is never sent as is: each page carries it XORed with a fresh
// random pad (pad ‖ pad⊕token, base64url), which verifyCSRF undoes.

// maskToken returns a fresh masked form of token.
func maskToken(token string) string {
	pad := make([]byte, len(token))
	if _, err := rand.Read(pad); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := make([]byte, 2*len(token))
	copy(out, pad)
	for i := range len(token) {
		out[len(token)+i] = pad[i] ^ token[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// tokenMatches reports whether masked is a masked form of token.
func tokenMatches(masked, token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || len(b) != 2*len(token) || token == "" {
		return false
	}
	n := len(token)
	for i := range n {
		b[n+i] ^= b[i]
	}
	return subtle.ConstantTimeCompare(b[n:], []byte(token)) == 1
}
