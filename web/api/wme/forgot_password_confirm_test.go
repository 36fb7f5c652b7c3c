package wme_test

import (
	"testing"
	"time"

	"gatehouse/internal/testenv"
)

// TestResetCodeExpires: docs/security.md R4, the code lives at most 10 minutes.
func TestResetCodeExpires(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	code := e.waitCode(annEmail, 1)
	e.Clock.Advance(10*time.Minute + time.Second)
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": code}), 401)
	e.login("ann", annPass)
}

// TestResetCodeAttempts: docs/security.md R4, the 6th wrong code ends the flow:
// even the right code then fails, and a new request is needed.
func TestResetCodeAttempts(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	code := e.waitCode(annEmail, 1)
	wrong := wrongCode(code)

	// A few wrong codes do not end the flow.
	for i := 0; i < 3; i++ {
		expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": wrong}), 401)
	}
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	code = e.waitCode(annEmail, 2)
	wrong = wrongCode(code)
	for i := 0; i < 6; i++ {
		expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": wrong}), 401)
	}
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": code}), 401)
	e.login("ann", annPass)

	// A new request starts a new flow.
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	code = e.waitCode(annEmail, 3)
	expect(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": code}), 204)
	e.login("ann", annNew)
}

// TestResetCodeFewWrongThenRight: up to four wrong codes leave the flow
// usable (the fifth or sixth ends it, per the core's budget).
func TestResetCodeFewWrongThenRight(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	code := e.waitCode(annEmail, 1)
	for i := 0; i < 4; i++ {
		expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": wrongCode(code)}), 401)
	}
	expect(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": code}), 204)
}

// TestResetCodeBoundToMember: docs/security.md R4, A's code does not reset B.
func TestResetCodeBoundToMember(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	e.member("bob@example.com", "bob", annPass)
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "ann"}), 204)
	expect(t, e.post("/v1/forgot-password", map[string]string{"username": "bob"}), 204)
	annCode := e.waitCode(annEmail, 1)
	bobCode := e.waitCode("bob@example.com", 1)
	if annCode == bobCode {
		t.Fatal("two flows got the same code")
	}
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "bob", "password": annNew, "confirmation_code": annCode}), 401)
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": bobCode}), 401)
	// A member without a flow cannot use A's code either.
	e.member("cyd@example.com", "cyd", annPass)
	expectError(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "cyd", "password": annNew, "confirmation_code": annCode}), 401)
	e.login("bob", annPass)
	e.login("cyd", annPass)
	expect(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "ann", "password": annNew, "confirmation_code": annCode}), 204)
	expect(t, e.post("/v1/forgot-password-confirm", map[string]string{"username": "bob", "password": annNew, "confirmation_code": bobCode}), 204)
}

// wrongCode returns an 8-character code that differs from code.
func wrongCode(code string) string {
	if code == "ZZZZ9999" {
		return "YYYY8888"
	}
	return "ZZZZ9999"
}
