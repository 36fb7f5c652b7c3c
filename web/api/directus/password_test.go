package directus_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// TestR2ResetURL: every look-alike of the allowed reset URL is refused the
// same way, for a known and an unknown email alike (the answer must not
// reveal the account); the exact URL is used in the mailed link.
func TestR2ResetURL(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	bad := []string{"https://evil.example", "//evil.example", `/\evil.example`, "https:evil.example",
		"https://good.example.evil.example", "https://good.example@evil.example", "javascript:alert(1)", "data:text/html,x",
		"https://good.example/reset/", "https://good.example/reset?x=1"}
	var first []byte
	for _, u := range bad {
		r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail, "reset_url": u})
		wantError(t, r, 400, "INVALID_PAYLOAD")
		if first == nil {
			first = r.Body
		} else if !bytes.Equal(first, r.Body) {
			t.Errorf("%q answered differently: %s vs %s", u, r.Body, first)
		}
		if r := e.Do("POST", "/auth/password/request", map[string]string{"email": "nobody@example.com", "reset_url": u}); r.StatusCode != 400 || !bytes.Equal(first, r.Body) {
			t.Errorf("unknown email with %q: %d %s, want the known email's answer", u, r.StatusCode, r.Body)
		}
	}
	r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail, "reset_url": "https://good.example/reset"})
	if r.StatusCode != 204 {
		t.Fatalf("allowed url: %d %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	link := smtptest.LinkIn(msgs[0], "https://good.example/reset")
	if !strings.HasPrefix(link, "https://good.example/reset?token=") {
		t.Fatalf("link %q", link)
	}
	if len(e.SMTP.Messages()) != 1 {
		t.Fatalf("refused requests sent mail: %d", len(e.SMTP.Messages()))
	}
}

// TestResetFlow: request → mailed link → weak password refused → reset →
// login with the new password → the link is spent; an expired link is 401.
func TestResetFlow(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	if r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail}); r.StatusCode != 204 {
		t.Fatalf("request: %d %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	token := tokenFrom(t, smtptest.LinkIn(msgs[0], e.BaseURL+"/reset-password"))

	r := e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "short"})
	wantError(t, r, 400, "INVALID_PAYLOAD")
	if errMessage(r) == "" {
		t.Fatalf("weak password without a reason: %s", r.Body)
	}
	if r := e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "a brand new passphrase"}); r.StatusCode != 204 {
		t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
	}
	loginJSON(t, e, annEmail, "a brand new passphrase")
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "another new passphrase"}), 403, "INVALID_TOKEN")

	e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail})
	msgs = e.SMTP.WaitFor(t, 3, 10*time.Second) // the change notice, then the new link
	var token2 string
	for _, m := range msgs[1:] {
		if l := smtptest.LinkIn(m, e.BaseURL+"/reset-password?token="); l != "" {
			token2 = tokenFrom(t, l)
		}
	}
	e.Clock.Advance(61 * time.Minute)
	wantError(t, e.Do("POST", "/auth/password/reset", map[string]string{"token": token2, "password": "another new passphrase"}), 401, "TOKEN_EXPIRED")
}
