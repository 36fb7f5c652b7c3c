package web

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/web/api"
)

// requestID gives every request an id, echoed in X-Request-Id and used in
// the log line and in internal-error logs.
func requestID(c *fiber.Ctx) error {
	id := api.NewUUID()
	c.Locals(localRequestID, id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// reqID returns the request's id.
func reqID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// securityHeaders sets the headers every response carries.
func (s *server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// noStore marks a response as uncacheable (authenticated pages, forms with
// CSRF tokens, token responses).
func noStore(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	c.Set("Pragma", "no-cache")
	return c.Next()
}

// recoverer turns a handler panic into a generic 500 and keeps the process
// up; the stack goes to the log only.
func (s *server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "request_id", reqID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fiber.NewError(fiber.StatusInternalServerError, "Internal error.")
		}
	}()
	return c.Next()
}

// accessLog writes one line per request. It logs the path only: never the
// query string (reset tokens travel there), bodies, cookies or headers.
func (s *server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		// Render the error here, so the line below logs the real status.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	s.log.Info("request",
		"request_id", reqID(c),
		"method", c.Method(),
		"path", logPath(c),
		"status", status,
		"duration_ms", time.Since(start).Milliseconds(),
		"ip", c.IP(),
	)
	return nil
}
