package wme_test

import (
	"net/url"
	"testing"

	"gatehouse/internal/testenv"
)

// TestFormEncoded: every route accepts application/x-www-form-urlencoded.
func TestFormEncoded(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	r := e.postForm("/v1/login", url.Values{"username": {"ann"}, "password": {annPass}})
	expect(t, r, 200)
	shape(t, r, loginShape, "id_token", "access_token", "refresh_token", "expires_in")
	tok := r.JSON()
	r = e.postForm("/v1/token-refresh", url.Values{"username": {"ann"}, "refresh_token": {str(tok, "refresh_token")}})
	expect(t, r, 200)
	shape(t, r, refreshShape, "id_token", "access_token", "expires_in")
	expectError(t, e.postForm("/v1/login", url.Values{"username": {"ann"}}), 422, "password")
	expect(t, e.postForm("/v1/change-password", url.Values{"access_token": {str(tok, "access_token")}, "previous_password": {annPass}, "proposed_password": {annNew}}), 204)
	expect(t, e.postForm("/v1/forgot-password", url.Values{"username": {"ann"}}), 204)
	code := e.waitCode(annEmail, 1)
	expect(t, e.postForm("/v1/forgot-password-confirm", url.Values{"username": {"ann"}, "password": {annPass}, "confirmation_code": {code}}), 204)
	expect(t, e.postForm("/v1/token-revoke", url.Values{"refresh_token": {str(tok, "refresh_token")}}), 204)
	e.temporary("temp@example.com", "temp", annPass)
	session := str(e.postForm("/v1/login", url.Values{"username": {"temp"}, "password": {annPass}}).JSON(), "session")
	r = e.postForm("/v1/new-password-required", url.Values{"username": {"temp"}, "session": {session}, "new_password": {annNew}})
	expect(t, r, 200)
	shape(t, r, newPasswordShape, "id_token", "access_token", "refresh_token", "expires_in")
}

// TestBadInput: malformed bodies, wrong types and missing fields are 422
// naming the problem; never a 500.
func TestBadInput(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	routes := map[string][]string{
		"/v1/login":                   {"username", "password"},
		"/v1/token-refresh":           {"username", "refresh_token"},
		"/v1/token-revoke":            {"refresh_token"},
		"/v1/forgot-password":         {"username"},
		"/v1/forgot-password-confirm": {"username", "password", "confirmation_code"},
		"/v1/change-password":         {"access_token", "previous_password", "proposed_password"},
		"/v1/new-password-required":   {"username", "session", "new_password"},
	}
	for path, fields := range routes {
		full := map[string]any{}
		for _, f := range fields {
			full[f] = "some value"
		}
		for _, f := range fields {
			missing := map[string]any{}
			typed := map[string]any{}
			null := map[string]any{}
			for k, v := range full {
				if k != f {
					missing[k], typed[k], null[k] = v, v, v
				}
			}
			typed[f] = 42
			null[f] = nil
			expectError(t, e.post(path, missing), 422, f)
			expectError(t, e.post(path, typed), 422, f)
			expectError(t, e.post(path, null), 422, f)
			typed[f] = []string{"a"}
			expectError(t, e.post(path, typed), 422, f)
			typed[f] = map[string]string{"a": "b"}
			expectError(t, e.post(path, typed), 422, f)
			blank := map[string]any{}
			for k, v := range full {
				blank[k] = v
			}
			blank[f] = "   "
			expectError(t, e.post(path, blank), 422, f)
		}
		for name, body := range map[string]string{
			"malformed":  `{"username": "ann",`,
			"not object": `["ann"]`,
			"string":     `"ann"`,
			"trailing":   `{} {}`,
			"garbage":    "\x00\xff\xfe",
			"empty":      ``,
			"empty obj":  `{}`,
			"null":       `null`,
		} {
			r := e.post(path, body)
			if r.StatusCode != 422 {
				t.Fatalf("%s %s: status %d, body %s", path, name, r.StatusCode, r.Body)
			}
			expectError(t, r, 422)
		}
		expectError(t, e.post(path, `<xml/>`, "Content-Type", "application/xml"), 415, "Content-Type")
		expectError(t, e.post(path, "%zz=1", "Content-Type", "application/x-www-form-urlencoded"), 422)
	}
	// Unknown members are ignored (mass assignment, docs/security.md A3).
	e.login("ann", annPass)
	r := e.post("/v1/login", map[string]any{"username": "ann", "password": annPass, "status": "admin", "id": 1})
	expect(t, r, 200)
}
