package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// RetryAfter returns the wait err asks for (its *auth.Error's RetryAfter)
// in whole seconds, rounded up, as every dialect writes it in Retry-After;
// 0 when err carries no wait. Only the statuses and envelopes differ per
// dialect, so each one decides when to send it.
func RetryAfter(err error) int {
	e := auth.AsError(err)
	if e == nil || e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// SetRetryAfter sets the Retry-After header from err's wait, when it has one.
func SetRetryAfter(c *fiber.Ctx, err error) {
	if s := RetryAfter(err); s > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(s))
	}
}
