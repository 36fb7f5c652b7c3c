package web

import (
	"io"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"gatehouse/internal/auth"
)

// Member files are served with the type sniffed at upload, never sniffed by
// the browser, never cached, and sandboxed: even a file a browser decided to
// render could run nothing and reach nothing.
const fileCSP = "default-src 'none'; sandbox"

// uploadPaths are the only requests allowed a body larger than the app's
// 64 KiB limit: the multipart uploads of member files.
var uploadPaths = regexp.MustCompile(`^/(account|admin/members/[0-9]{1,19})/files$`)

// uploadBodyLimit is the fasthttp HeaderReceived hook: once the request
// headers are in, it raises the body limit to auth.MaxUploadBody for a POST
// to an upload route. Every other request keeps the app's BodyLimit, so an
// oversized body is refused with 413 from its Content-Length, before it is
// read (docs/security.md I1).
func uploadBodyLimit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if string(h.Method()) != fiber.MethodPost {
		return fasthttp.RequestConfig{}
	}
	path := h.RequestURI()
	if i := strings.IndexByte(string(path), '?'); i >= 0 {
		path = path[:i]
	}
	if !uploadPaths.Match(path) {
		return fasthttp.RequestConfig{}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: auth.MaxUploadBody}
}

// logPath is the request path for the access log, with a file access token
// in /files/t={token}/… replaced, so no token reaches the log (I4).
func logPath(c *fiber.Ctx) string {
	p := c.Path()
	if rest, ok := strings.CutPrefix(p, "/files/t="); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return "/files/t=[redacted]" + rest[i:]
		}
		return "/files/t=[redacted]"
	}
	return p
}

// sendFile streams a member file with the headers every file response
// carries: the stored (sniffed) type, nosniff, no caching, a sandboxing CSP,
// no referrer, and a Content-Disposition that makes attachments downloads
// and lets avatars show inline.
func sendFile(c *fiber.Ctx, f auth.File, rc io.ReadCloser) error {
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("Pragma", "no-cache")
	c.Set(fiber.HeaderContentSecurityPolicy, fileCSP)
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set("Cross-Origin-Resource-Policy", "same-origin")
	disposition := "attachment"
	if f.Kind == auth.FileAvatar {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentDisposition, contentDisposition(disposition, f.Name))
	c.Status(fiber.StatusOK)
	if c.Method() == fiber.MethodHead {
		rc.Close()
		c.Response().Header.SetContentLength(int(f.Size))
		return nil
	}
	return c.SendStream(rc, int(f.Size)) // fasthttp closes rc when sent
}

// contentDisposition builds the header with an ASCII fallback name and the
// exact UTF-8 name (RFC 6266, RFC 8187). The name is already safe (no
// quotes, separators or control characters).
func contentDisposition(kind, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// encodeRFC8187 percent-encodes everything but attr-char.
func encodeRFC8187(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z') || ('0' <= ch && ch <= '9') || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

// handleFileWithToken serves GET /files/t={token}/{id}/{name} and GET
// /files/{id}/{name}?t={token}: a kuroco file_access_token opens the files
// of its session's member, nothing else. The name in the URL is cosmetic.
func (s *server) handleFileWithToken() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		token := c.Params("token")
		if token == "" {
			token = c.Query("t")
		}
		f, rc, err := s.auth.OpenFileWithToken(c.UserContext(), strings.Clone(token), id)
		if err != nil {
			return err
		}
		return sendFile(c, f, rc)
	}
}

// noStoreFile keeps the token routes' error pages out of caches and their
// URLs (which carry the token) out of Referer headers.
func noStoreFile(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	return c.Next()
}
