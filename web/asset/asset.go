// Package asset serves fixed bodies (the embedded static files, the OpenAPI
// document) with an ETag, the caller's Cache-Control, and gzip or brotli
// compression computed once per body and encoding, on first use: brotli at
// level 6 costs about 250 ms for the 1.1 MB ReDoc bundle, which must not be
// paid per request (Fiber's compress middleware would, and skips any
// response that already has a Content-Encoding).
package asset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/gzip"
)

// minCompress is the size below which compression is not worth a header.
const minCompress = 512

// Body is one fixed response body.
type Body struct {
	data        []byte
	contentType string
	etag        string
	gzip, br    func() []byte
}

// New returns data served as contentType. data must not change afterwards.
func New(data []byte, contentType string) *Body {
	sum := sha256.Sum256(data)
	b := &Body{data: data, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	b.gzip = sync.OnceValue(func() []byte {
		var out bytes.Buffer
		w, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		w.Write(data)
		w.Close()
		return out.Bytes()
	})
	b.br = sync.OnceValue(func() []byte {
		var out bytes.Buffer
		w := brotli.NewWriterLevel(&out, 6)
		w.Write(data)
		w.Close()
		return out.Bytes()
	})
	return b
}

// ETag is the body's entity tag (quoted).
func (b *Body) ETag() string { return b.etag }

// Serve answers with the body: 304 when If-None-Match names it, else the
// body in the best encoding the client accepts.
func (b *Body) Serve(c *fiber.Ctx, cacheControl string) error {
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderETag, b.etag)
	compressible := len(b.data) >= minCompress
	if compressible {
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && etagMatches(match, b.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, b.contentType)
	if compressible {
		switch Negotiate(c.Get(fiber.HeaderAcceptEncoding)) {
		case "br":
			c.Set(fiber.HeaderContentEncoding, "br")
			return c.Send(b.br())
		case "gzip":
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(b.gzip())
		}
	}
	return c.Send(b.data)
}

// etagMatches reports whether an If-None-Match list names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// Negotiate picks "br", "gzip" or "" from an Accept-Encoding header:
// brotli over gzip when both are acceptable, nothing with q=0.
func Negotiate(accept string) string {
	br, gz := false, false
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip", "x-gzip", "*":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}
