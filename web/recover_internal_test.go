package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// internalApp is the page middleware chain with two test-only routes: one
// that panics and one that fails with the hash pool's overload error.
func internalApp(t *testing.T) (*fiber.App, *strings.Builder) {
	t.Helper()
	var logs strings.Builder
	s := &server{auth: authtest.New(t, auth.Config{}).Svc, log: slog.New(slog.NewTextHandler(&logs, nil)), cfg: Config{ProductName: "Gatehouse"}}
	app := fiber.New(fiber.Config{ErrorHandler: s.handleError, DisableStartupMessage: true})
	app.Use(s.recoverer, requestID, s.accessLog)
	app.Get("/_test/panic", func(*fiber.Ctx) error { panic("canary-panic-value-7f3e") })
	app.Get("/_test/nil", func(c *fiber.Ctx) error {
		var m map[string]int
		m["boom"]++ // a runtime error, not a plain panic value
		return nil
	})
	app.Get("/_test/busy", func(*fiber.Ctx) error { return auth.ErrOverloaded })
	app.Get("/_test/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	return app, &logs
}

func get(t *testing.T, app *fiber.App, path string) (int, string, string) {
	t.Helper()
	res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Retry-After")
}

// TestRecovererGeneric500 (I2): a handler panic becomes a generic 500 page
// with no panic value or stack trace in the body, the stack goes to the log
// with the request id, and the app keeps serving.
func TestRecovererGeneric500(t *testing.T) {
	app, logs := internalApp(t)
	for _, path := range []string{"/_test/panic", "/_test/nil"} {
		status, body, _ := get(t, app, path)
		if status != fiber.StatusInternalServerError {
			t.Fatalf("%s: status %d, want 500", path, status)
		}
		for _, leak := range []string{"canary-panic-value-7f3e", "goroutine", "runtime/debug", ".go:", "panic", "assignment to entry in nil map"} {
			if strings.Contains(body, leak) {
				t.Fatalf("%s: 500 body leaks %q:\n%s", path, leak, body)
			}
		}
		if !strings.Contains(body, "Internal error") {
			t.Fatalf("%s: body is not the generic error page:\n%s", path, body)
		}
	}
	if !strings.Contains(logs.String(), "canary-panic-value-7f3e") || !strings.Contains(logs.String(), "request_id=") {
		t.Fatalf("panic not logged with its request id:\n%s", logs)
	}
	if status, body, _ := get(t, app, "/_test/ok"); status != 200 || body != "ok" {
		t.Fatalf("after panics: %d %q", status, body)
	}
}

// TestPagesOverload503: the hash pool's overload error is a 503 page with
// Retry-After, and is not logged as an internal error.
func TestPagesOverload503(t *testing.T) {
	app, logs := internalApp(t)
	status, body, retry := get(t, app, "/_test/busy")
	if status != fiber.StatusServiceUnavailable || retry != "1" {
		t.Fatalf("overload: status %d Retry-After %q, want 503 and 1", status, retry)
	}
	if !strings.Contains(body, auth.ErrOverloaded.Message) {
		t.Fatalf("overload page does not say why:\n%s", body)
	}
	if strings.Contains(logs.String(), "internal error") {
		t.Fatalf("overload logged as an internal error:\n%s", logs)
	}
}
