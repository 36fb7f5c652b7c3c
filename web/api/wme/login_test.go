package wme_test

import (
	"context"
	"strconv"
	"testing"

	"gatehouse/internal/testenv"
)

// TestIDToken: the id_token verifies with the service's keys and names the
// member; so does the one a refresh returns.
func TestIDToken(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	ann := e.member(annEmail, "ann", annPass)
	tok := e.login("ann", annPass)
	ctx := context.Background()
	claims, err := e.Svc.VerifyIDToken(ctx, str(tok, "id_token"))
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != strconv.FormatInt(ann.ID, 10) {
		t.Fatalf("id_token sub %q, want %d", claims.Subject, ann.ID)
	}
	r := e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(tok, "refresh_token")})
	expect(t, r, 200)
	claims, err = e.Svc.VerifyIDToken(ctx, str(r.JSON(), "id_token"))
	if err != nil || claims.Subject != strconv.FormatInt(ann.ID, 10) {
		t.Fatalf("refreshed id_token: %+v, %v", claims, err)
	}
	// An id_token is not an access token (docs/security.md T2).
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": str(tok, "id_token"), "previous_password": annPass, "proposed_password": annNew}), 401)
	// Nor is a refresh token, and an access token is no refresh token.
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": str(tok, "refresh_token"), "previous_password": annPass, "proposed_password": annNew}), 401)
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(tok, "access_token")}), 401)
}

// TestLoginFailuresIdentical: docs/security.md B5, unknown user, wrong password,
// suspended member and a temporary member with a wrong password get the
// same status, headers and body.
func TestLoginFailuresIdentical(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	bob := e.member("bob@example.com", "bob", annPass)
	e.suspend(bob)
	e.temporary("temp@example.com", "temp", annPass)
	cases := []struct{ name, user, pass string }{
		{"unknown user", "nobody", annPass},
		{"unknown email", "nobody@example.com", annPass},
		{"wrong password", "ann", "wrong password"},
		{"suspended, right password", "bob", annPass},
		{"suspended, wrong password", "bob", "wrong password"},
		{"temporary, wrong password", "temp", "wrong password"},
	}
	var first *testenv.Response
	for _, c := range cases {
		r := e.post("/v1/login", map[string]string{"username": c.user, "password": c.pass})
		expectError(t, r, 401)
		if first == nil {
			first = r
			continue
		}
		if string(r.Body) != string(first.Body) || !sameHeaders(r.Header, first.Header) {
			t.Fatalf("%s: %d %v %s differs from %d %v %s", c.name, r.StatusCode, r.Header, r.Body, first.StatusCode, first.Header, first.Body)
		}
	}
	// The suspended member's tokens from before are refused too.
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "bob", "refresh_token": "x"}), 401)
}
