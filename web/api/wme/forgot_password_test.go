package wme_test

import (
	"strings"
	"testing"

	"gatehouse/internal/testenv"
)

// TestForgotPassword: the mailed 8-character code sets a new password.
func TestForgotPassword(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	old := e.login("ann", annPass)

	// Unknown users get the same 204 and no mail.
	r := e.post("/v1/forgot-password", map[string]string{"username": "nobody"})
	expect(t, r, 204)
	unknownHeaders := r.Header.Clone()
	r = e.post("/v1/forgot-password", map[string]string{"username": "Ann@Example.com"})
	expect(t, r, 204)
	for _, h := range []string{"Content-Type", "Cache-Control", "Content-Length"} {
		if unknownHeaders.Get(h) != r.Header.Get(h) {
			t.Fatalf("header %s differs for unknown and known users: %q vs %q", h, unknownHeaders.Get(h), r.Header.Get(h))
		}
	}
	code := e.waitCode(annEmail, 1)
	if len(code) != 8 {
		t.Fatalf("code %q is not 8 characters", code)
	}
	for _, m := range e.SMTP.Messages() {
		for _, to := range m.To {
			if !strings.EqualFold(to, annEmail) {
				t.Fatalf("mail sent to %s", to)
			}
		}
	}

	// A weak password names the field and keeps the code usable.
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": "short", "confirmation_code": code}), 422, "password")
	expect(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": code}), 204)
	expectError(t, e.post("/v1/login", map[string]string{"username": "ann", "password": annPass}), 401)
	e.login("ann", annNew)
	// Single use, and the reset ended the old sessions (docs/security.md R5).
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": "yet another passphrase", "confirmation_code": code}), 401)
	if e.alive(str(old, "access_token")) {
		t.Fatal("a session from before the reset still works")
	}
	expectError(t, e.post("/v1/token-refresh", map[string]string{"username": "ann", "refresh_token": str(old, "refresh_token")}), 401)
}
