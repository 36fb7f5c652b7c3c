package wme_test

import (
	"testing"

	"gatehouse/internal/testenv"
)

// TestRefreshLimit: one refresh token mints at most MaxMints access tokens
// by refresh; the next refresh is 403 and the earlier tokens live on.
func TestRefreshLimit(t *testing.T) {
	e := newEnv(t, limitedPolicy(3))
	e.member(annEmail, "ann", annPass)
	tok := e.login("ann", annPass)
	req := map[string]string{"username": "ann", "refresh_token": str(tok, "refresh_token")}
	var minted []string
	for i := 0; i < 3; i++ {
		r := e.post("/v1/token-refresh", req)
		expect(t, r, 200)
		minted = append(minted, str(r.JSON(), "access_token"))
	}
	expectError(t, e.post("/v1/token-refresh", req), 403)
	expectError(t, e.post("/v1/token-refresh", req), 403)
	for i, a := range minted {
		if !e.alive(a) {
			t.Fatalf("access token #%d died at the refresh limit", i+1)
		}
	}
	// A new login gets a fresh budget.
	tok = e.login("ann", annPass)
	expect(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(tok, "refresh_token")}), 200)
}

// TestRefreshLimitDefault: the default cap is 90 refreshes per refresh
// token (docs/contract.md §1).
func TestRefreshLimitDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("90 refreshes")
	}
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	tok := e.login("ann", annPass)
	req := map[string]string{"username": "ann", "refresh_token": str(tok, "refresh_token")}
	for i := 0; i < 90; i++ {
		expect(t, e.post("/v1/token-refresh", req), 200)
	}
	expectError(t, e.post("/v1/token-refresh", req), 403)
}

// TestRefreshUsernameMismatch: a refresh token presented under another
// username is refused exactly like a garbage token.
func TestRefreshUsernameMismatch(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	e.member("bob@example.com", "bob", annPass)
	tok := e.login("ann", annPass)
	mismatch := e.post("/v1/token-refresh", map[string]string{"username": "bob", "refresh_token": str(tok, "refresh_token")})
	expectError(t, mismatch, 401)
	garbage := e.post("/v1/token-refresh", map[string]string{"username": "bob", "refresh_token": "not-a-token"})
	expectError(t, garbage, 401)
	if string(mismatch.Body) != string(garbage.Body) || !sameHeaders(mismatch.Header, garbage.Header) {
		t.Fatalf("mismatch %s vs garbage %s", mismatch.Body, garbage.Body)
	}
	nobody := e.post("/v1/token-refresh", map[string]string{"username": "nobody", "refresh_token": str(tok, "refresh_token")})
	if string(nobody.Body) != string(garbage.Body) {
		t.Fatalf("unknown user %s vs garbage %s", nobody.Body, garbage.Body)
	}
	// Ann's own refresh still works.
	expect(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(tok, "refresh_token")}), 200)
}
