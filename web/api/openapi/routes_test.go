package openapi_test

import (
	"bytes"
	"strings"
	"testing"
)

// TestSharedLoginLogout drives the shared routes of docs/contract.md §7 as an
// openapi client: login {"email","password"} → user and tokens with ISO
// times; logout {"refreshToken"} → 200 {}; the access token then dies.
func TestSharedLoginLogout(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass})
	if res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, res.Body)
	}
	body := res.JSON()
	if str(body, "user", "email") != annEmail {
		t.Errorf("login user: %s", res.Body)
	}
	for _, k := range []string{"access", "refresh"} {
		if str(body, "tokens", k, "token") == "" || !isoRE.MatchString(str(body, "tokens", k, "expires")) {
			t.Errorf("login tokens.%s: %s", k, res.Body)
		}
	}
	access, refresh := str(body, "tokens", "access", "token"), str(body, "tokens", "refresh", "token")
	if res := e.Do("POST", "/auth", nil, bearer(access)...); res.StatusCode != 200 {
		t.Fatalf("POST /auth after login: %d %s", res.StatusCode, res.Body)
	}
	res = e.Do("POST", "/auth/logout", map[string]any{"refreshToken": refresh})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(access)...); res.StatusCode != 401 {
		t.Fatalf("POST /auth after logout: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": refresh}); res.StatusCode != 401 {
		t.Fatalf("refresh after logout: %d %s", res.StatusCode, res.Body)
	}
	// No token anywhere: 400 with the openapi envelope fields.
	res = e.Do("POST", "/auth/logout", "{}")
	if res.StatusCode != 400 || res.JSON()["code"] != float64(400) || str(res.JSON(), "message") == "" {
		t.Errorf("logout without token: %d %s", res.StatusCode, res.Body)
	}
}

// TestLoginFailuresIdentical is docs/security.md B5 on the shared login route: an
// unknown user and a wrong password get the same status and body.
func TestLoginFailuresIdentical(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	unknown := e.Do("POST", "/auth/login", map[string]any{"email": "nobody@example.com", "password": annPass})
	wrong := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": "wrong password here"})
	if unknown.StatusCode != 401 || wrong.StatusCode != 401 {
		t.Fatalf("statuses %d, %d; want 401", unknown.StatusCode, wrong.StatusCode)
	}
	if !bytes.Equal(unknown.Body, wrong.Body) {
		t.Errorf("bodies differ:\n%s\n%s", unknown.Body, wrong.Body)
	}
	if unknown.JSON()["code"] != float64(401) || str(unknown.JSON(), "message") == "" {
		t.Errorf("401 lacks the openapi envelope: %s", unknown.Body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "WWW-Authenticate"} {
		if unknown.Header.Get(h) != wrong.Header.Get(h) {
			t.Errorf("header %s differs: %q vs %q", h, unknown.Header.Get(h), wrong.Header.Get(h))
		}
	}
}
