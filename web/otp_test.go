package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// totp computes an RFC 6238 code (SHA-1, 30 s, 6 digits) for the tests.
func totp(secret string, at time.Time) string {
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	h := hmac.New(sha1.New, key)
	h.Write(msg[:])
	sum := h.Sum(nil)
	o := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[o:o+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1000000)
}

// TestLoginWithMFA: a member with TOTP on cannot sign in on the pages with
// the password alone (M4); the code step regenerates the session (S2); five
// wrong codes end the pending login (M3).
func TestLoginWithMFA(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "http://localhost:8080"})
	m := e.createMember("mfa@example.com", goodPassword)
	ctx := context.Background()
	_, tok, err := e.svc.LoginTokens(ctx, auth.LoginInput{Identifier: m.Email, Password: goodPassword, Via: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := e.svc.GenerateTOTP(ctx, tok.Session.ID, goodPassword, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.EnableTOTP(ctx, tok.Session.ID, sec.Secret, totp(sec.Secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * time.Second) // the enabling code's step is used up

	b := e.browser()
	r := b.login("mfa@example.com", goodPassword)
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/login/otp" {
		t.Fatalf("password alone went to %q", r.location())
	}
	if b.signedIn() {
		t.Fatal("signed in before the code")
	}
	pre := b.cookies["gatehouse_sid"]
	r = b.submit("/login/otp", "/login/otp", url.Values{"otp": {"000000"}})
	expectStatus(t, r, http.StatusUnauthorized)
	r = b.submit("/login/otp", "/login/otp", url.Values{"otp": {totp(sec.Secret, e.clock.Now())}})
	expectStatus(t, r, http.StatusSeeOther)
	if !b.signedIn() || b.cookies["gatehouse_sid"] == pre {
		t.Fatal("code step did not sign in with a fresh session id")
	}

	// Five wrong codes end the pending login: even a right code fails then.
	x := e.browser()
	expectStatus(t, x.login("mfa@example.com", goodPassword), http.StatusSeeOther)
	for i := 0; i < 5; i++ {
		expectStatus(t, x.submit("/login/otp", "/login/otp", url.Values{"otp": {"123456"}}), http.StatusUnauthorized)
	}
	e.clock.Advance(31 * time.Second)
	r = x.submit("/login/otp", "/login/otp", url.Values{"otp": {totp(sec.Secret, e.clock.Now())}})
	if r.StatusCode != http.StatusSeeOther || r.location() != "/login" || x.signedIn() {
		t.Fatalf("after 5 wrong codes: %d %q", r.StatusCode, r.location())
	}
}
