package kotive_test

import (
	"context"
	"strings"
	"testing"
)

// TestLoginTokenEndToEnd: password → authToken → the same token through
// username:authToken without a new session → the token as a Bearer token →
// logout → the token is dead in every carrier.
func TestLoginTokenEndToEnd(t *testing.T) {
	e := newEnv(t)
	m := e.CreateMember("ann@example.com", password)
	ctx := context.Background()

	tok := mustLogin(t, e, "ann@example.com", password)
	if again := mustLogin(t, e, "ANN@example.com", tok); again != tok {
		t.Fatalf("username:authToken returned another token %q", again)
	}
	if again := mustLogin(t, e, m.Username, tok); again != tok {
		t.Fatalf("username:authToken returned another token %q", again)
	}
	if ss, err := e.Svc.ListSessions(ctx, m.ID); err != nil || len(ss) != 1 {
		t.Fatalf("sessions after token logins: %d (%v), want 1", len(ss), err)
	}
	for _, h := range [][]string{{"Authorization", "Bearer " + tok}, {"X-RCMS-API-ACCESS-TOKEN", tok}} {
		r := e.Do("POST", "/api/login", nil, h...)
		if r.StatusCode != 200 || r.JSON()["authToken"] != tok {
			t.Fatalf("%s: status %d: %s", h[0], r.StatusCode, r.Body)
		}
	}
	// The authToken is no password: it belongs to its member only.
	e.CreateMember("bob@example.com", password)
	if r := e.Do("GET", "/api/login", nil, "Authorization", basic("bob@example.com", tok)); r.StatusCode != 401 {
		t.Fatalf("bob:ann's token: status %d", r.StatusCode)
	}

	// Logout needs the token and its member's name.
	for name, authz := range map[string]string{
		"none":           "",
		"password":       basic("ann@example.com", password),
		"other username": basic("bob@example.com", tok),
		"bad token":      basic("ann@example.com", strings.Repeat("0", 32)),
	} {
		r := e.Do("POST", "/api/logout", nil, "Authorization", authz)
		expectUnauthorized(t, name, r)
	}
	r := e.Do("POST", "/api/logout", nil, "Authorization", basic("ann@example.com", tok))
	golden(t, "logout", r, nil)
	for _, h := range [][]string{{"Authorization", basic("ann@example.com", tok)}, {"Authorization", "Bearer " + tok}, {"X-RCMS-API-ACCESS-TOKEN", tok}} {
		r := e.Do("POST", "/api/login", nil, h...)
		expectUnauthorized(t, "after logout "+h[0], r)
	}
	if r := e.Do("POST", "/api/logout", nil, "Authorization", basic("ann@example.com", tok)); r.StatusCode != 401 {
		t.Fatalf("second logout: %d", r.StatusCode)
	}
	// A password login still works and issues a new token.
	if tok2 := mustLogin(t, e, "ann@example.com", password); tok2 == tok {
		t.Fatal("new login returned the dead token")
	}
}
