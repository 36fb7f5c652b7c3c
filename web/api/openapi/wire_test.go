package openapi_test

import (
	"testing"
)

// TestBadInputNever500 throws malformed and mistyped bodies at every route.
func TestBadInputNever500(t *testing.T) {
	e := newEnv(t)
	paths := []string{"/auth/register", "/auth/refresh-tokens", "/auth/reset-password?token=x", "/auth/forgot-password"}
	bodies := []string{`{`, `[]`, `"x"`, `null`, `{"email":{},"password":1,"confirm":true,"name":[],"refreshToken":2,"bio":5}`, "\x00\xff", `{"a":1}{"b":2}`}
	for _, p := range paths {
		for _, b := range bodies {
			res := e.Do("POST", p, b)
			if res.StatusCode != 400 {
				t.Errorf("%s %q: %d %s", p, b, res.StatusCode, res.Body)
				continue
			}
			got := res.JSON()
			if got["code"] != float64(400) || str(got, "message") == "" || len(got["errors"].(map[string]any)) == 0 {
				t.Errorf("%s %q: envelope %s", p, b, res.Body)
			}
		}
	}
}
