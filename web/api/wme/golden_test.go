package wme_test

import (
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// limitedPolicy is the default wme policy with a small mint cap, so the
// refresh limit can be reached quickly.
func limitedPolicy(mints int) testenv.Options {
	p := auth.DefaultPolicies()[auth.ViaWME]
	p.MaxMints = mints
	return testenv.Options{Auth: auth.Config{Policies: map[string]auth.TokenPolicy{auth.ViaWME: p}}}
}

// TestGolden sends each documented request of seed 001 (with live values
// where the seed's placeholders would only produce an error) and each error
// shape, and compares the normalised responses with testdata/.
func TestGolden(t *testing.T) {
	e := newEnv(t, limitedPolicy(2))
	e.member(seedEmail, seedUser, seedPassword)
	e.temporary("temp@example.com", "temp", seedPassword)

	type call struct {
		path string
		body any
	}
	run := func(name string, calls ...call) {
		t.Helper()
		var r *testenv.Response
		for _, c := range calls {
			r = e.post(c.path, c.body)
		}
		last := calls[len(calls)-1]
		golden(t, name, map[string]any{"method": "POST", "path": last.path, "body": last.body}, r)
	}

	loginReq := map[string]string{"username": seedUser, "password": seedPassword}
	run("login", call{"/v1/login", loginReq})
	tok := e.login(seedUser, seedPassword)
	refresh := str(tok, "refresh_token")
	run("token_refresh", call{"/v1/token-refresh", map[string]string{"username": seedUser, "refresh_token": refresh}})
	run("token_refresh_limit", call{"/v1/token-refresh", map[string]string{"username": seedUser, "refresh_token": refresh}},
		call{"/v1/token-refresh", map[string]string{"username": seedUser, "refresh_token": refresh}})
	run("token_revoke", call{"/v1/token-revoke", map[string]string{"refresh_token": refresh}})
	run("token_refresh_revoked", call{"/v1/token-refresh", map[string]string{"username": seedUser, "refresh_token": refresh}})
	run("forgot_password", call{"/v1/forgot-password", map[string]string{"username": seedUser}})
	code := e.waitCode(seedEmail, 1)
	run("forgot_password_confirm", call{"/v1/forgot-password-confirm", map[string]string{"username": seedUser, "password": seedProposed, "confirmation_code": code}})
	tok = e.login(seedUser, seedProposed)
	run("change_password", call{"/v1/change-password", map[string]string{"access_token": str(tok, "access_token"), "previous_password": seedProposed, "proposed_password": seedPassword}})
	run("change_password_wrong_previous", call{"/v1/change-password", map[string]string{"access_token": str(tok, "access_token"), "previous_password": "not the password", "proposed_password": seedProposed}})
	run("change_password_weak", call{"/v1/change-password", map[string]string{"access_token": str(tok, "access_token"), "previous_password": seedPassword, "proposed_password": "short"}})

	tempLogin := map[string]string{"username": "temp", "password": seedPassword}
	run("login_new_password_required", call{"/v1/login", tempLogin})
	challenge := str(e.post("/v1/login", tempLogin).JSON(), "session")
	run("new_password_required", call{"/v1/new-password-required", map[string]string{"session": challenge, "username": "temp", "new_password": seedProposed}})

	// Error shapes.
	run("error_bad_credentials", call{"/v1/login", map[string]string{"username": seedUser, "password": "wrong password"}})
	run("error_malformed_json", call{"/v1/login", `{"username": "admin",`})
	run("error_missing_field", call{"/v1/login", map[string]string{"username": seedUser}})
	run("error_wrong_type", call{"/v1/login", map[string]any{"username": seedUser, "password": 12345678}})
	run("error_unknown_route", call{"/v1/nothing-here", map[string]string{}})
	r := e.Do("GET", "/v1/login", nil)
	golden(t, "error_wrong_method", map[string]any{"method": "GET", "path": "/v1/login"}, r)

	// The seed's requests exactly as written: their placeholder tokens and
	// code are not live, so they get the documented error shape.
	run("seed_token_refresh", call{"/v1/token-refresh", `{ "username": "admin", "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" }`})
	run("seed_token_revoke", call{"/v1/token-revoke", `{ "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" }`})
	run("seed_forgot_password_confirm", call{"/v1/forgot-password-confirm", `{ "username": "admin", "password": "j8BDWYrQwDF5u4Yu", "confirmation_code": "6MadrbRF" }`})
	run("seed_change_password", call{"/v1/change-password", `{ "access_token": "sInR5cCI6IkpXVCJ9eyJhbGciOiJIUzI1NiI", "previous_password": "j8BDWYrQwDF5u4Yu", "proposed_password": "b2BDWZrQwDF5u4Yu" }`})
	run("seed_new_password_required", call{"/v1/new-password-required", `{ "session": "eyJhbGcisInR5cCI6IkOiJIUzI1NiIpXVCJ9", "username": "admin", "new_password": "b2BDWZrQwDF5u4Yu" }`})
}

// TestSeedRequestsAsWritten sends every request example of seed 001 byte for
// byte and checks that each answer has the shape the seed documents for it.
func TestSeedRequestsAsWritten(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(seedEmail, seedUser, seedPassword)

	r := e.post("/v1/login", `{ "username": "admin", "password": "j8BDWYrQwDF5u4Yu" }`)
	expect(t, r, 200)
	shape(t, r, loginShape, "id_token", "access_token", "refresh_token", "expires_in")
	if r.JSON()["expires_in"] != float64(86400) {
		t.Fatalf("expires_in = %v, want 86400", r.JSON()["expires_in"])
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token response Cache-Control %q", r.Header.Get("Cache-Control"))
	}

	expectError(t, e.post("/v1/token-refresh", `{ "username": "admin", "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" }`), 401)
	r = e.post("/v1/token-revoke", `{ "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" }`)
	expect(t, r, 204)
	if len(r.Body) != 0 {
		t.Fatalf("204 with body %q", r.Body)
	}
	expect(t, e.post("/v1/forgot-password", `{ "username": "admin" }`), 204)
	expectError(t, e.post("/v1/forgot-password-confirm", `{ "username": "admin", "password": "j8BDWYrQwDF5u4Yu", "confirmation_code": "6MadrbRF" }`), 401)
	expectError(t, e.post("/v1/change-password", `{ "access_token": "sInR5cCI6IkpXVCJ9eyJhbGciOiJIUzI1NiI", "previous_password": "j8BDWYrQwDF5u4Yu", "proposed_password": "b2BDWZrQwDF5u4Yu" }`), 401)
	expectError(t, e.post("/v1/new-password-required", `{ "session": "eyJhbGcisInR5cCI6IkOiJIUzI1NiIpXVCJ9", "username": "admin", "new_password": "b2BDWZrQwDF5u4Yu" }`), 401)

	// With live values in place of the placeholders, the success shapes.
	tok := e.login(seedUser, seedPassword)
	r = e.post("/v1/token-refresh", map[string]string{"username": "admin", "refresh_token": str(tok, "refresh_token")})
	expect(t, r, 200)
	shape(t, r, refreshShape, "id_token", "access_token", "expires_in")
	r = e.post("/v1/change-password", map[string]string{"access_token": str(tok, "access_token"), "previous_password": "j8BDWYrQwDF5u4Yu", "proposed_password": "b2BDWZrQwDF5u4Yu"})
	expect(t, r, 204)
}
