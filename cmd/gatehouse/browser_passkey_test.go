package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"gatehouse/internal/smtptest"
)

// TestBrowserPasskey drives real Chromium with a virtual authenticator
// (CTAP2, internal, resident keys, user verification) against the real
// binary: sign in with the password, add a passkey on /account and name
// it, sign out, sign in with the passkey; turn TOTP on and sign in with the
// passkey again without a code; then make the authenticator's counter go
// backwards and see the sign-in refused.
func TestBrowserPasskey(t *testing.T) {
	step := chromiumSession(t, 3*time.Minute)
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	// A relying-party id must be a domain, not an IP address: the pages
	// are opened on localhost.
	base := "http://localhost:" + port
	// A real SMTP server: the member is told of every change to their
	// second factors (internal/auth/audit_events.go).
	inbox := smtptest.Start(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": base,
		"GATEHOUSE_SMTP_URL": inbox.URL()}
	const email, name = "grace@example.com", "Grace Hopper"
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", email, "--password", strongPassword, "--name", name); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	startServer(t, e)

	var authID webauthn.AuthenticatorID
	step("virtual authenticator",
		webauthn.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			authID, err = webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
				Protocol:                    webauthn.AuthenticatorProtocolCtap2,
				Transport:                   webauthn.AuthenticatorTransportInternal,
				HasResidentKey:              true,
				HasUserVerification:         true,
				IsUserVerified:              true,
				AutomaticPresenceSimulation: true,
			}).Do(ctx)
			return err
		}),
	)

	var text, loc string
	step("password sign-in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		submitLogin(email, strongPassword),
	)
	step("add a passkey",
		chromedp.WaitVisible(`[data-testid="passkey-add"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="passkey-add-form"] input[name="name"]`, "Work laptop", chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-add"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="passkey-row"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="passkey-name"]`, &text, chromedp.ByQuery),
	)
	if text != "Work laptop" {
		t.Errorf("passkey listed as %q, want %q", text, "Work laptop")
	}
	var creds []*webauthn.Credential
	step("credential stored", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		creds, err = webauthn.GetCredentials(authID).Do(ctx)
		return err
	}))
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
		t.Fatalf("authenticator credentials = %+v, want one discoverable credential for localhost", creds)
	}
	if h := creds[0].UserHandle; h == "" || strings.Contains(h, "grace") {
		t.Errorf("user handle %q: want an opaque id, not the email", h)
	}

	signOut := chromedp.Tasks{
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
	}
	passkeySignIn := chromedp.Tasks{
		chromedp.WaitVisible(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(accountHeading, chromedp.ByQuery),
		chromedp.Text(accountHeading, &text, chromedp.ByQuery),
		chromedp.Location(&loc),
	}
	// Conditional UI: /login asks for a passkey with mediation
	// "conditional" as soon as it loads, and the virtual authenticator
	// answers it as a user picking the passkey from the autofill would.
	step("sign out, the autofill signs in with the passkey",
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(accountHeading, chromedp.ByQuery),
		chromedp.Text(accountHeading, &text, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.HasSuffix(loc, "/account") || !strings.Contains(text, name) {
		t.Fatalf("after the conditional passkey sign-in: on %s with heading %q, want /account greeting %s", loc, text, name)
	}
	// From here on the browser offers no conditional mediation, so that
	// the "Sign in with a passkey" button is what signs in.
	step("no conditional mediation", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(
			`PublicKeyCredential.isConditionalMediationAvailable = function () { return Promise.resolve(false); };`).Do(ctx)
		return err
	}))
	step("sign out, sign in with the passkey button", signOut, passkeySignIn)
	if !strings.HasSuffix(loc, "/account") || !strings.Contains(text, name) {
		t.Fatalf("after the passkey sign-in: on %s with heading %q, want /account greeting %s", loc, text, name)
	}

	// Turn TOTP on through the directus dialect, then the passkey alone
	// still signs in: it is two factors.
	enableTOTP(t, base, email)
	step("sign out, password now asks for the code", signOut,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="identifier"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, strongPassword, chromedp.ByQuery),
		chromedp.Click(`[data-testid="login-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="otp-submit"]`, chromedp.ByQuery),
	)
	// On /login/otp, the passkey of that member replaces the code.
	step("passkey as the second factor",
		chromedp.WaitVisible(`[data-testid="passkey-second"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-second"]`, chromedp.ByQuery),
		chromedp.WaitVisible(accountHeading, chromedp.ByQuery),
	)
	step("passkey sign-in with TOTP on", signOut, passkeySignIn)
	if !strings.HasSuffix(loc, "/account") || !strings.Contains(text, name) {
		t.Fatalf("member with TOTP after the passkey sign-in: on %s with heading %q", loc, text)
	}

	// A counter that goes backwards (a cloned authenticator) is refused.
	step("counter goes backwards", signOut, chromedp.ActionFunc(func(ctx context.Context) error {
		cs, err := webauthn.GetCredentials(authID).Do(ctx)
		if err != nil || len(cs) != 1 {
			return fmt.Errorf("credentials: %v, %d", err, len(cs))
		}
		c := *cs[0]
		if c.SignCount < 2 {
			return fmt.Errorf("sign count %d after three sign-ins", c.SignCount)
		}
		if err := webauthn.RemoveCredential(authID, c.CredentialID).Do(ctx); err != nil {
			return err
		}
		c.SignCount = 0
		return webauthn.AddCredential(authID, &c).Do(ctx)
	}))
	step("refused sign-in",
		chromedp.WaitVisible(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="passkey-login-status"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('[data-testid="passkey-login-status"]').textContent.includes("not accepted")`, nil),
		chromedp.Location(&loc),
	)
	if strings.HasSuffix(loc, "/account") {
		t.Fatalf("a regressed counter signed in (on %s)", loc)
	}

	// The audit log holds the passkey's life: added, the sign-ins (the
	// conditional one, the button twice, the second factor) and the
	// refused counter.
	db, err := sql.Open("sqlite3", "file:"+e["GATEHOUSE_DB"]+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := map[string]int{}
	rows, err := db.Query(`SELECT action, detail FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, detail string
		if err := rows.Scan(&action, &detail); err != nil {
			t.Fatal(err)
		}
		counts[action+" "+detail]++
	}
	want := map[string]int{"passkey.added Work laptop": 1, "auth.signin passkey": 4, "passkey.counter_regressed Work laptop": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("audit %q: %d entries, want %d (all: %v)", k, counts[k], n, counts)
		}
	}

	// Remove the passkey with the plain form (a confirmation box, no
	// script), then read the member's mail: the passkey added, two-factor
	// turned on, the passkey removed, each as it happened.
	// The device's counter moves past the stored one again (the real
	// authenticator, not the clone): accepted.
	step("counter forward again", chromedp.ActionFunc(func(ctx context.Context) error {
		cs, err := webauthn.GetCredentials(authID).Do(ctx)
		if err != nil || len(cs) != 1 {
			return fmt.Errorf("credentials: %v, %d", err, len(cs))
		}
		c := *cs[0]
		if err := webauthn.RemoveCredential(authID, c.CredentialID).Do(ctx); err != nil {
			return err
		}
		c.SignCount = 1000
		return webauthn.AddCredential(authID, &c).Do(ctx)
	}))
	step("remove the passkey", chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery), passkeySignIn,
		chromedp.Navigate(base+"/account#passkeys"),
		chromedp.WaitVisible(`[data-testid="passkey-remove"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-row"] input[name="confirm"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-remove"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="passkeys-empty"]`, chromedp.ByQuery),
	)
	for _, notice := range []string{"A passkey was added", "Two-factor authentication was turned on", "A passkey was removed"} {
		if !mailed(inbox, email, notice, 15*time.Second) {
			t.Errorf("no mail to %s saying %q; got %d message(s)", email, notice, len(inbox.Messages()))
		}
	}
}

// mailed waits up to timeout for a message to rcpt whose text part says
// what.
func mailed(inbox *smtptest.Server, rcpt, what string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range inbox.Messages() {
			text, _ := smtptest.Bodies(m)
			if len(m.To) == 1 && m.To[0] == rcpt && strings.Contains(text, what) {
				return true
			}
		}
	}
	return false
}

// enableTOTP turns TOTP on for the member through the directus dialect
// (/auth/login, /users/me/tfa/generate, /users/me/tfa/enable).
func enableTOTP(t *testing.T, base, email string) {
	t.Helper()
	call := func(path, token string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer res.Body.Close()
		var out struct {
			Data map[string]any `json:"data"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode >= 300 {
			t.Fatalf("%s: %s", path, res.Status)
		}
		return out.Data
	}
	login := call("/auth/login", "", map[string]string{"email": email, "password": strongPassword})
	token, _ := login["access_token"].(string)
	gen := call("/users/me/tfa/generate", token, map[string]string{"password": strongPassword})
	secret, _ := gen["secret"].(string)
	if token == "" || secret == "" {
		t.Fatalf("directus login %v, generate %v", login, gen)
	}
	call("/users/me/tfa/enable", token, map[string]string{"secret": secret, "otp": totpNow(secret)})
}

// totpNow computes the current RFC 6238 code (SHA-1, 30 s, 6 digits).
func totpNow(secret string) string {
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(time.Now().Unix()/30))
	h := hmac.New(sha1.New, key)
	h.Write(msg[:])
	sum := h.Sum(nil)
	o := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[o:o+4])&0x7fffffff)%1000000)
}
