package wme

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// TestOverloadIs503: the hash pool's overload error (EUNAVAILABLE) is a 503
// with Retry-After in this dialect's envelope (L1).
func TestOverloadIs503(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return respondError(c, api.Deps{}, auth.ErrOverloaded) })
	res, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != fiber.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q, want 503 and 1; body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if len(body) == 0 || body[0] != '{' {
		t.Fatalf("body is not the JSON envelope: %s", body)
	}
}
