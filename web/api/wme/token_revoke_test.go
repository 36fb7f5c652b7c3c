package wme_test

import (
	"net/http"
	"strings"
	"testing"

	"gatehouse/internal/testenv"
)

// TestRevoke: docs/security.md T6. A valid token → 204 and its session dies; a
// garbage, already revoked, access-instead-of-refresh or other user's token
// → the same 204, and nothing else changes.
func TestRevoke(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	e.member("bob@example.com", "bob", annPass)
	ann := e.login("ann", annPass)
	bob := e.login("bob", annPass)
	gone := e.login("ann", annPass)
	expect(t, e.post("/v1/token-revoke", map[string]string{"refresh_token": str(gone, "refresh_token")}), 204)

	var first *testenv.Response
	for name, tok := range map[string]string{
		"garbage":      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
		"long garbage": strings.Repeat("x", 5000),
		"revoked":      str(gone, "refresh_token"),
		"access token": str(ann, "access_token"),
		"id token":     str(ann, "id_token"),
	} {
		r := e.post("/v1/token-revoke", map[string]string{"refresh_token": tok})
		expect(t, r, 204)
		if first == nil {
			first = r
		}
		if string(r.Body) != string(first.Body) || !sameHeaders(r.Header, first.Header) {
			t.Fatalf("%s: revoke answer differs", name)
		}
	}
	// Nothing changed for Ann or Bob.
	if !e.alive(str(ann, "access_token")) || !e.alive(str(bob, "access_token")) {
		t.Fatal("a bogus revoke ended a session")
	}
	expect(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(ann, "refresh_token")}), 200)

	// Revoking Bob's token ends Bob's session only, with the same answer.
	r := e.post("/v1/token-revoke", map[string]string{"refresh_token": str(bob, "refresh_token")})
	expect(t, r, 204)
	if string(r.Body) != string(first.Body) || !sameHeaders(r.Header, first.Header) {
		t.Fatal("a valid revoke answers differently from a bogus one")
	}
	if e.alive(str(bob, "access_token")) {
		t.Fatal("Bob's access token survived the revoke")
	}
	if !e.alive(str(ann, "access_token")) {
		t.Fatal("revoking Bob's token ended Ann's session")
	}
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "bob", "refresh_token": str(bob, "refresh_token")}), 401)
}

// sameHeaders compares two responses' headers apart from per-request ones.
func sameHeaders(a, b http.Header) bool {
	skip := map[string]bool{"Date": true, "X-Request-Id": true}
	for _, h := range []http.Header{a, b} {
		for k := range h {
			if !skip[k] && a.Get(k) != b.Get(k) {
				return false
			}
		}
	}
	return true
}

// TestMultipleSessionsIndependent: two logins are two sessions; revoking one
// leaves the other.
func TestMultipleSessionsIndependent(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	a := e.login("ann", annPass)
	b := e.login("ann", annPass)
	if str(a, "refresh_token") == str(b, "refresh_token") {
		t.Fatal("two logins share a refresh token")
	}
	expect(t, e.post("/v1/token-revoke", map[string]string{"refresh_token": str(a, "refresh_token")}), 204)
	if e.alive(str(a, "access_token")) || !e.alive(str(b, "access_token")) {
		t.Fatal("revoke did not end exactly one session")
	}
}
