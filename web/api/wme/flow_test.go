package wme_test

import (
	"context"
	"testing"

	"gatehouse/internal/testenv"
)

const (
	annEmail = "ann@example.com"
	annPass  = "correct horse battery"
	annNew   = "purple monkey dishwasher"
)

// TestFlowEndToEnd: login → refresh → change-password → revoke → refresh
// is refused, with the tokens checked at each step.
func TestFlowEndToEnd(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	ann := e.member(annEmail, "ann", annPass)

	// Another session of Ann, opened before the password change.
	other := e.login(annEmail, annPass)

	tok := e.login("ann", annPass)
	refresh := str(tok, "refresh_token")
	if !e.alive(str(tok, "access_token")) {
		t.Fatal("the login's access token is refused")
	}
	// The username may be given as the email too, in any case.
	r := e.post("/v1/token-refresh", map[string]string{"username": "ANN@example.com", "refresh_token": refresh})
	expect(t, r, 200)
	if _, ok := r.JSON()["refresh_token"]; ok {
		t.Fatalf("wme refresh returned a new refresh token: %s", r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	access := str(r.JSON(), "access_token")
	if access == str(tok, "access_token") || !e.alive(access) {
		t.Fatal("the refreshed access token is not a new, live token")
	}
	m, _, err := e.Svc.AuthenticateToken(context.Background(), access)
	if err != nil || m.ID != ann.ID {
		t.Fatalf("refreshed token resolves to %v, %v", m.ID, err)
	}

	expect(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": annNew}), 204)
	// The calling session stays; every other session ends.
	if !e.alive(access) {
		t.Fatal("change-password ended the calling session")
	}
	if e.alive(str(other, "access_token")) {
		t.Fatal("change-password left another session's access token alive")
	}
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(other, "refresh_token")}), 401)
	expectError(t, e.post("/v1/login", map[string]string{"username": "ann", "password": annPass}), 401)
	e.login("ann", annNew)
	// The refresh token of the calling session still works.
	expect(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": refresh}), 200)

	expect(t, e.post("/v1/token-revoke", map[string]string{"refresh_token": refresh}), 204)
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": refresh}), 401)
	if e.alive(access) || e.alive(str(tok, "access_token")) {
		t.Fatal("access tokens minted from a revoked refresh token still work")
	}
}
