package kuroco

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

// TestRespondError covers the mapping for errors the HTTP tests cannot
// provoke yet: 429 with Retry-After, internal errors, several fields.
func TestRespondError(t *testing.T) {
	var logs strings.Builder
	d := api.Deps{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	cases := []struct {
		err        error
		status     int
		retryAfter string
		body       string
	}{
		{&auth.Error{Code: auth.ERATELIMIT, Message: "Too many attempts.", RetryAfter: 1500 * time.Millisecond}, 429, "2",
			`[{"code":"rate_limited","message":"Too many attempts."}]`},
		{errors.New("database is locked: secret detail"), 500, "",
			`[{"code":"internal","message":"Internal error."}]`},
		{&auth.Error{Code: auth.EINTERNAL, Message: "Not implemented yet."}, 500, "",
			`[{"code":"internal","message":"Internal error."}]`},
		{&auth.Error{Code: auth.EINVALID, Message: "Bad.", Fields: map[string]string{"b": "B bad.", "a": "A bad."}}, 400, "",
			`[{"code":"invalid","message":"A bad.","field":"a"},{"code":"invalid","message":"B bad.","field":"b"}]`},
		{&auth.Error{Code: auth.EEXPIRED, Message: "Expired."}, 401, "", `[{"code":"expired","message":"Expired."}]`},
		{&auth.Error{Code: auth.ENEWPASSWORD, Message: "A new password must be set."}, 403, "",
			`[{"code":"new_password_required","message":"A new password must be set."}]`},
	}
	for _, c := range cases {
		res, raw := apitest.Serve(t, "GET", withRequest(d), func(ctx *fiber.Ctx) error { return respondError(ctx, c.err) })
		var body struct {
			Errors    json.RawMessage `json:"errors"`
			RequestID string          `json:"x-rcms-request-id"`
		}
		_ = json.Unmarshal(raw, &body)
		if res.StatusCode != c.status || res.Header.Get("Retry-After") != c.retryAfter || string(body.Errors) != c.body ||
			body.RequestID == "" || body.RequestID != res.Header.Get(headerRequestID) {
			t.Errorf("%v: %d Retry-After %q %s", c.err, res.StatusCode, res.Header.Get("Retry-After"), raw)
		}
	}
	if !strings.Contains(logs.String(), "secret detail") || strings.Count(logs.String(), "kuroco: internal error") != 2 {
		t.Errorf("internal errors not logged once each: %s", logs.String())
	}
}

// TestOverloadIs503: the hash pool's overload error (EUNAVAILABLE) is a 503
// with Retry-After in this dialect's envelope (L1).
func TestOverloadIs503(t *testing.T) {
	apitest.ExpectOverload(t, func(c *fiber.Ctx) error { return respondError(c, auth.ErrOverloaded) })
}
