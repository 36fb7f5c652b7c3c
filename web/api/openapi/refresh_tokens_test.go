package openapi_test

import (
	"testing"
	"time"
)

func TestGoldenRefreshTokens(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	golden(t, "refresh_tokens_200", e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": str(reg, "tokens", "refresh", "token")}))
	golden(t, "refresh_tokens_401", e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": "nonsense"}))
	golden(t, "refresh_tokens_400_missing", e.Do("POST", "/auth/refresh-tokens", "{}"))
	golden(t, "refresh_tokens_400_mistyped", e.Do("POST", "/auth/refresh-tokens", `{"refreshToken":["a"]}`))
	// An access token is no refresh token.
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": str(reg, "tokens", "access", "token")}); res.StatusCode != 401 {
		t.Errorf("access token as refresh token: %d %s", res.StatusCode, res.Body)
	}
}

// TestRotationReuseDetection is docs/security.md T3 from the openapi client's
// side: register → POST /auth → refresh (rotated) → the old refresh token
// replayed after the grace window is refused, and then so is the new one,
// and the family's access tokens die.
func TestRotationReuseDetection(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	a0, r0 := str(reg, "tokens", "access", "token"), str(reg, "tokens", "refresh", "token")
	if res := e.Do("POST", "/auth", nil, bearer(a0)...); res.StatusCode != 200 || str(res.JSON(), "message") != "Welcome, Ann Smith" {
		t.Fatalf("POST /auth: %d %s", res.StatusCode, res.Body)
	}
	res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	if res.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", res.StatusCode, res.Body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("refresh Cache-Control = %q", res.Header.Get("Cache-Control"))
	}
	a1, r1 := str(res.JSON(), "access", "token"), str(res.JSON(), "refresh", "token")
	if r1 == "" || r1 == r0 || a1 == "" || a1 == a0 {
		t.Fatalf("refresh did not rotate: %s", res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(a1)...); res.StatusCode != 200 {
		t.Fatalf("new access token: %d %s", res.StatusCode, res.Body)
	}
	e.Clock.Advance(11 * time.Second)
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0}); res.StatusCode != 401 || str(res.JSON(), "message") == "" {
		t.Fatalf("replayed R0: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r1}); res.StatusCode != 401 {
		t.Fatalf("R1 after reuse detection: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(a1)...); res.StatusCode != 401 {
		t.Fatalf("access token after reuse detection: %d %s", res.StatusCode, res.Body)
	}
}

// TestGraceReplay: the immediate parent replayed within the grace window
// gets the current token, not a fork or a revocation (docs/security.md T4).
func TestGraceReplay(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	r0 := str(reg, "tokens", "refresh", "token")
	first := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	again := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	if first.StatusCode != 200 || again.StatusCode != 200 {
		t.Fatalf("refresh within grace: %d %s / %d %s", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	if r1, r1b := str(first.JSON(), "refresh", "token"), str(again.JSON(), "refresh", "token"); r1 != r1b {
		t.Errorf("grace replay forked the family: %q vs %q", r1, r1b)
	}
}
