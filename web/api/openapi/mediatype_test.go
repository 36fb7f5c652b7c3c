package openapi_test

import (
	"encoding/json"
	"testing"

	"gatehouse/internal/testenv"
)

// TestTokenRoutesTakeOnlyJSON: register (which signs in), refresh-tokens,
// forgot-password and reset-password refuse a valid JSON body sent as
// text/plain, without a Content-Type or urlencoded with 415
// {"code":415,"message"}; nothing is written and no cookie is set. The same
// body as JSON then succeeds. (POST /auth/login is the directus package's.)
func TestTokenRoutesTakeOnlyJSON(t *testing.T) {
	e := newEnv(t)
	refresh := str(registerAnn(t, e), "tokens", "refresh", "token")
	body := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	cases := []struct {
		name, path, body string
		ok               int
	}{
		{"register", "/auth/register", body(map[string]any{"name": "Bob Jones", "email": "bob@example.com", "password": annPass, "confirm": annPass}), 201},
		{"refresh-tokens", "/auth/refresh-tokens", body(map[string]any{"refreshToken": refresh}), 200},
		{"forgot-password", "/auth/forgot-password", body(map[string]any{"email": annEmail}), 204},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range e.NotJSON("POST", c.path, c.body, testenv.CrossSiteTypes) {
				b := r.JSON()
				if r.StatusCode != 415 || b["code"] != float64(415) || b["message"] == "" {
					t.Errorf("as %q: %d %s, want 415 {code,message}", r.Request.Header.Get("Content-Type"), r.StatusCode, r.Body)
				}
			}
			if r := e.Do("POST", c.path, c.body); r.StatusCode != c.ok {
				t.Fatalf("the same body as JSON: %d %s", r.StatusCode, r.Body)
			}
		})
	}
}
