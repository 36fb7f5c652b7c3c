package wme

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
	"gatehouse/web/api/apitest"
)

// TestOverloadIs503: the hash pool's overload error (EUNAVAILABLE) is a 503
// with Retry-After in this dialect's envelope (L1).
func TestOverloadIs503(t *testing.T) {
	apitest.ExpectOverload(t, func(c *fiber.Ctx) error { return respondError(c, api.Deps{}, auth.ErrOverloaded) })
}
