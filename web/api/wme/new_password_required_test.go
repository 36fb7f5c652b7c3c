package wme_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gatehouse/internal/testenv"
)

// TestNewPasswordRequired: a member with a temporary password gets the
// challenge (no tokens), answers it, and then logs in normally.
func TestNewPasswordRequired(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	temp := e.temporary("temp@example.com", "temp", annPass)

	// A wrong password gets no challenge.
	expectError(t, e.post("/v1/login", map[string]string{"username": "temp", "password": "wrong password"}), 401)

	r := e.post("/v1/login", map[string]string{"username": "temp", "password": annPass})
	expect(t, r, 200)
	shape(t, r, loginShape, "challenge_name", "session")
	b := r.JSON()
	if b["challenge_name"] != "NEW_PASSWORD_REQUIRED" || b["id_token"] != nil || b["access_token"] != nil || b["refresh_token"] != nil || b["expires_in"] != nil {
		t.Fatalf("challenge body %s", r.Body)
	}
	session := str(b, "session")

	// The challenge belongs to temp: another username cannot use it.
	e.member(annEmail, "ann", annPass)
	expectError(t, e.post("/v1/new-password-required", map[string]string{"session": session, "username": "ann", "new_password": annNew}), 401)
	// A weak password names the field.
	expectError(t, e.post("/v1/new-password-required", map[string]string{"session": session, "username": "temp", "new_password": "short"}), 422, "new_password")

	r = e.post("/v1/new-password-required", map[string]string{"session": session, "username": "temp", "new_password": annNew})
	expect(t, r, 200)
	shape(t, r, newPasswordShape, "id_token", "access_token", "refresh_token", "expires_in")
	if r.JSON()["session"] != nil {
		t.Fatalf("session after the challenge: %s", r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	if _, ok := r.JSON()["challenge_name"]; ok {
		t.Fatalf("tokens with a challenge: %s", r.Body)
	}
	claims, err := e.Svc.VerifyIDToken(context.Background(), str(r.JSON(), "id_token"))
	if err != nil || claims.Subject != strconv.FormatInt(temp.ID, 10) {
		t.Fatalf("id_token %+v, %v", claims, err)
	}
	// Single use.
	expectError(t, e.post("/v1/new-password-required", map[string]string{"session": session, "username": "temp", "new_password": "another fine passphrase"}), 401)
	// The temporary password is gone; the new one logs in with tokens.
	expectError(t, e.post("/v1/login", map[string]string{"username": "temp", "password": annPass}), 401)
	e.login("temp", annNew)
}

// TestNewPasswordSessionExpires: the challenge lives 3 minutes.
func TestNewPasswordSessionExpires(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.temporary("temp@example.com", "temp", annPass)
	session := str(e.post("/v1/login", map[string]string{"username": "temp", "password": annPass}).JSON(), "session")
	e.Clock.Advance(3*time.Minute + time.Second)
	expectError(t, e.post("/v1/new-password-required", map[string]string{"session": session, "username": "temp", "new_password": annNew}), 401)
}
