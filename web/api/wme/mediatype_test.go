package wme_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"gatehouse/internal/testenv"
)

// TestLoginRoutesTakeOnlyJSONOrForm: wme takes JSON and the urlencoded form
// (docs/contract.md §3). A valid JSON body sent as text/plain or without a
// Content-Type is refused with 415 {"message","status":415} by every route
// that signs in, issues or revokes a token or queues mail; nothing is
// written and no cookie is set. The same body as JSON, and as the form,
// then succeeds.
func TestLoginRoutesTakeOnlyJSONOrForm(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	e.temporary("temp@example.com", "temp", annPass)
	refresh := str(e.login("ann", annPass), "refresh_token")
	challenge := str(e.post("/v1/login", map[string]string{"username": "temp", "password": annPass}).JSON(), "session")
	body := func(v map[string]string) string { b, _ := json.Marshal(v); return string(b) }
	types := []string{"text/plain", "text/plain;charset=UTF-8", "", "application/xml"}

	cases := []struct {
		name, path string
		fields     map[string]string
		ok         int
		form       bool // also check that the form works (a second success must be possible)
	}{
		{"login", "/v1/login", map[string]string{"username": "ann", "password": annPass}, 200, true},
		{"token-refresh", "/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": refresh}, 200, true},
		{"forgot-password", "/v1/forgot-password", map[string]string{"username": "ann"}, 204, false},
		{"new-password-required", "/v1/new-password-required", map[string]string{"username": "temp", "session": challenge, "new_password": "a brand new passphrase"}, 200, false},
		{"token-revoke", "/v1/token-revoke", map[string]string{"refresh_token": refresh}, 204, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range e.NotJSON("POST", c.path, body(c.fields), types) {
				expectError(t, r, 415, "Content-Type")
			}
			if c.form {
				vals := url.Values{}
				for k, v := range c.fields {
					vals.Set(k, v)
				}
				expect(t, e.postForm(c.path, vals), c.ok)
			}
			expect(t, e.post(c.path, body(c.fields)), c.ok)
		})
	}
}
