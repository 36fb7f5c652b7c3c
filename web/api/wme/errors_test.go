package wme

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
	"gatehouse/web/api/apitest"
)

// TestRespondError checks the one mapping from domain codes to wme statuses
// and the envelope, including Retry-After and hidden internal details.
func TestRespondError(t *testing.T) {
	var logs strings.Builder
	d := api.Deps{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	cases := []struct {
		name       string
		err        error
		status     int
		message    string
		retryAfter string
	}{
		{"invalid field", api.FieldProblem("username", `"username" is required.`), 422, `"username" is required.`, ""},
		{"field not in message", auth.FieldError("password", "Too short."), 422, "password: Too short.", ""},
		{"renamed field", wireFields(auth.FieldError("new_password", "Too short."), "new_password", "proposed_password"), 422, "proposed_password: Too short.", ""},
		{"invalid body", &auth.Error{Code: auth.EINVALID, Message: "Malformed JSON."}, 422, "Malformed JSON.", ""},
		{"unauthorized", auth.Errorf(auth.EUNAUTHORIZED, "Incorrect email or password."), 401, "Incorrect email or password.", ""},
		{"expired", auth.Errorf(auth.EEXPIRED, "Expired."), 401, "Expired.", ""},
		{"otp", auth.Errorf(auth.EOTP, "A one-time password is required."), 401, "A one-time password is required.", ""},
		{"forbidden", auth.Errorf(auth.EFORBIDDEN, "Refresh limit exceeded."), 403, "Refresh limit exceeded.", ""},
		{"not found", auth.Errorf(auth.ENOTFOUND, "Not found."), 404, "Not found.", ""},
		{"conflict", auth.Errorf(auth.ECONFLICT, "Taken."), 409, "Taken.", ""},
		{"rate limited", &auth.Error{Code: auth.ERATELIMIT, Message: "Too many attempts.", RetryAfter: 1500 * time.Millisecond}, 429, "Too many attempts.", "2"},
		{"internal", errors.New("disk on fire: /secret/path"), 500, "Internal error.", ""},
		{"internal domain", auth.Errorf(auth.EINTERNAL, "Not implemented yet."), 500, "Internal error.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, raw := apitest.Serve(t, "POST", func(ctx *fiber.Ctx) error { return respondError(ctx, d, c.err) })
			var body errorResponse
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status || body.Status != c.status || body.Message != c.message {
				t.Fatalf("got %d %s, want %d %q", res.StatusCode, raw, c.status, c.message)
			}
			if got := res.Header.Get("Retry-After"); got != c.retryAfter {
				t.Fatalf("Retry-After %q, want %q", got, c.retryAfter)
			}
		})
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Fatal("internal error not logged")
	}
}
