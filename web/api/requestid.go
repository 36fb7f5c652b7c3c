package api

import (
	"crypto/rand"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// LocalRequestID is the c.Locals key under which web stores the request id
// (also sent as X-Request-Id and written in the access log).
const LocalRequestID = "request_id"

// NewUUID returns a random (version 4, RFC 9562) UUID.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// RequestID returns the request's id, so a dialect's own request-id header
// and its error logs match the access log.
func RequestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(LocalRequestID).(string); ok && id != "" {
		return id
	}
	id := NewUUID()
	c.Locals(LocalRequestID, id)
	return id
}
