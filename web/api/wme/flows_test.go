package wme_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestChangePasswordErrors: wrong previous password is 401, a weak proposed
// password names the field, a dead access token is 401.
func TestChangePasswordErrors(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	tok := e.login("ann", annPass)
	access := str(tok, "access_token")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": "wrong password", "proposed_password": annNew}), 401, "previous_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": "short"}), 422, "proposed_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": "password"}), 422, "proposed_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": "garbage", "previous_password": annPass, "proposed_password": annNew}), 401)
	e.login("ann", annPass)
	expect(t, e.post("/v1/token-revoke", map[string]string{"refresh_token": str(tok, "refresh_token")}), 204)
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": annNew}), 401)
	e.login("ann", annPass)
}

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

// TestUnknownRoutes: other /v1/ paths are 404 and other methods 405, in
// the wme envelope.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	for _, path := range []string{"/v1/nothing", "/v1/", "/v1", "/v1/login/extra", "/v1/a/b/c"} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			expectError(t, e.Do(method, path, nil), 404)
		}
	}
	for _, method := range []string{"GET", "PUT", "DELETE", "PATCH"} {
		r := e.Do(method, "/v1/login", nil)
		expectError(t, r, 405, "POST")
		if r.Header.Get("Allow") != "POST" {
			t.Fatalf("Allow %q", r.Header.Get("Allow"))
		}
	}
	// Other dialects and pages are not captured by the catch-all.
	if r := e.Do("GET", "/healthz", nil); r.StatusCode != 200 {
		t.Fatalf("/healthz %d", r.StatusCode)
	}
	if r := e.Do("GET", "/login", nil); r.StatusCode != 200 {
		t.Fatalf("/login page %d", r.StatusCode)
	}
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
