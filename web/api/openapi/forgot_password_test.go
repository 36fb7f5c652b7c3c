package openapi_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestResetFlow: forgot-password → mail → reset-password → 200 {} → the
// new password logs in, the old one does not, and old sessions are gone.
func TestResetFlow(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	login := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass})
	oldAccess := str(login.JSON(), "tokens", "access", "token")

	if res := e.Do("POST", "/auth/forgot-password", map[string]any{"email": "Ann@Example.com"}); res.StatusCode != 204 {
		t.Fatalf("forgot-password: %d %s", res.StatusCode, res.Body)
	}
	tok := mailedToken(t, e, 1, annEmail)
	res := e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("reset-password: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": newPass}); res.StatusCode != 200 {
		t.Errorf("login with the new password: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass}); res.StatusCode != 401 {
		t.Errorf("login with the old password: %d %s", res.StatusCode, res.Body)
	}
	if oldAccess != "" {
		if res := e.Do("POST", "/auth", nil, bearer(oldAccess)...); res.StatusCode != 401 {
			t.Errorf("old access token after reset: %d %s", res.StatusCode, res.Body)
		}
	}
}
