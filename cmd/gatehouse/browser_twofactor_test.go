package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gatehouse/internal/smtptest"
)

// rfc6238 is the TOTP code (HMAC-SHA1, 6 digits, 30 s steps) of a base32
// secret at a time step, computed here independently of the server.
func rfc6238(t *testing.T, secret string, step int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		t.Fatalf("secret %q from the page: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	h := hmac.New(sha1.New, key)
	h.Write(msg[:])
	sum := h.Sum(nil)
	o := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[o:o+4])&0x7fffffff)%1_000_000)
}

// passwordStep submits the sign-in form of a member with two-factor on and
// waits for the code step.
func passwordStep(base, email, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="identifier"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="login-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="otp-submit"]`, chromedp.ByQuery),
	}
}

// useRecoveryCode opens "Use a recovery code" on the code step (a details
// element: no script) and submits code.
func useRecoveryCode(code string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click(`[data-testid="recovery_code-toggle"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name="recovery_code"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="recovery_code"]`, code, chromedp.ByQuery),
		chromedp.Click(`[data-testid="recovery-submit"]`, chromedp.ByQuery),
	}
}

// TestBrowserTwoFactor drives real Chromium against the real binary: set
// up two-factor on the account page (the key read from the page, the code
// computed here), keep the recovery codes, sign in with password and code,
// then with password and a recovery code, which is refused the second time.
func TestBrowserTwoFactor(t *testing.T) {
	step := chromiumSession(t, 120*time.Second)
	inbox := smtptest.Start(t) // the member hears of every change (mailed, browser_passkey_test.go)
	s := startServer(t, env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_SMTP_URL": inbox.URL()})
	const (
		email    = "grace@example.com"
		password = "cobol-compiler-1959"
	)
	step("register and sign in",
		chromedp.Navigate(s.base+"/register"),
		chromedp.WaitVisible(`[data-testid="register-submit"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="name"]`, "Grace Hopper", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="email"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="confirm"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="register-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="register-sent"]`, chromedp.ByQuery),
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		submitLogin(email, password),
	)

	var status, secret, focused string
	step("set up",
		chromedp.Navigate(s.base+"/account"),
		chromedp.WaitVisible(`[data-testid="two-factor-setup"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="two-factor-status"]`, &status, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="tfa_password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="two-factor-setup"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#two-factor-secret`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="two-factor-qr"] svg`, chromedp.ByQuery),
		chromedp.Text(`#two-factor-secret`, &secret, chromedp.ByQuery),
		chromedp.Poll(`document.activeElement && document.activeElement.id === "tfa_code"`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`document.activeElement ? document.activeElement.id : ""`, &focused),
	)
	if !strings.Contains(status, "Off") {
		t.Errorf("status before setup: %q", status)
	}
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Fatalf("key on the page: %q", secret)
	}
	if focused != "tfa_code" {
		t.Errorf("focus on %q, want the code input (autofocus)", focused)
	}

	enabledStep := time.Now().Unix() / 30
	var codes []string
	step("confirm",
		chromedp.SendKeys(`input[name="tfa_code"]`, rfc6238(t, secret, enabledStep), chromedp.ByQuery),
		chromedp.Click(`[data-testid="two-factor-confirm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="recovery-codes"]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-testid="recovery-code"]'), e => e.textContent.trim())`, &codes),
		chromedp.Click(`[data-testid="recovery-codes-saved"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid="recovery-codes"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="recovery-codes-left"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="two-factor-status"]`, &status, chromedp.ByQuery),
	)
	if len(codes) != 10 {
		t.Fatalf("recovery codes on the page: %q", codes)
	}
	for _, c := range codes {
		if !regexp.MustCompile(`^[0-9a-z]{5}-[0-9a-z]{5}$`).MatchString(c) {
			t.Errorf("recovery code %q", c)
		}
	}
	if !strings.Contains(status, "On") || !strings.Contains(status, "10 recovery codes left") {
		t.Errorf("status after confirming: %q", status)
	}

	// The enabling code's step is used up: the next step's code is
	// accepted right away (one step of drift, internal/auth/totp.go).
	var loc string
	step("sign in with password and code",
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		passwordStep(s.base, email, password),
		chromedp.SendKeys(`input[name="otp"]`, rfc6238(t, secret, enabledStep+1), chromedp.ByQuery),
		chromedp.Click(`[data-testid="otp-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(accountHeading, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.HasSuffix(loc, "/account") {
		t.Errorf("after the code: on %s", loc)
	}

	var msg string
	step("sign in with password and a recovery code",
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		passwordStep(s.base, email, password),
		useRecoveryCode(codes[4]),
		chromedp.WaitVisible(`[data-testid="recovery-codes-left"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="two-factor-status"]`, &status, chromedp.ByQuery),
	)
	if !strings.Contains(status, "9 recovery codes left") {
		t.Errorf("status after using a recovery code: %q", status)
	}

	step("the same recovery code again",
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		passwordStep(s.base, email, password),
		useRecoveryCode(codes[4]),
		chromedp.WaitVisible(`[data-testid="error-recovery_code"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="error-recovery_code"]`, &msg, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.Contains(msg, "Invalid one-time password") || !strings.HasSuffix(loc, "/login/otp") {
		t.Errorf("a used recovery code: %q on %s, want refused on the code step", msg, loc)
	}

	// Turn it off with the password and a recovery code (the disclosure
	// and its recovery field are details elements: no script).
	step("turn two-factor off",
		passwordStep(s.base, email, password),
		useRecoveryCode(codes[6]),
		chromedp.WaitVisible(`[data-testid="disable-toggle"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="disable-toggle"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="off_password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="off_recovery-toggle"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="off_recovery"]`, codes[7], chromedp.ByQuery),
		chromedp.Click(`[data-testid="disable-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="two-factor-setup"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="two-factor-status"]`, &status, chromedp.ByQuery),
	)
	if !strings.Contains(status, "Off") {
		t.Errorf("status after turning off: %q", status)
	}
	for _, notice := range []string{"Two-factor authentication was turned on", "A recovery code was used", "Two-factor authentication was turned off"} {
		if !mailed(inbox, email, notice, 15*time.Second) {
			t.Errorf("no mail to %s saying %q; got %d message(s)", email, notice, len(inbox.Messages()))
		}
	}
}

// TestBrowserTwoFactorLook audits the two-factor states with axe-core in
// every look (browser_axe_test.go): the setup step with the QR code, the
// account page with two-factor on, and the code step of the sign-in with
// "Use a recovery code" open.
func TestBrowserTwoFactorLook(t *testing.T) {
	axe := axeSource(t)
	tab, step := chromiumTab(t, 10*time.Minute)
	s := startServer(t, env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")})
	w, enable := watchCSP(tab)
	step("enable events", enable)
	audit := func(name, path, ready string) {
		t.Helper()
		auditPage(t, tab, step, w, axe, name, s.base+path, ready)
	}
	const (
		email    = "katherine@example.com"
		password = "orbital-mechanics-1962"
	)
	var secret string
	step("register, sign in, set up",
		chromedp.Navigate(s.base+"/register"),
		chromedp.WaitVisible(`[data-testid="register-submit"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="name"]`, "Katherine Johnson", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="email"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="confirm"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="register-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="register-sent"]`, chromedp.ByQuery),
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		submitLogin(email, password),
		chromedp.SendKeys(`input[name="tfa_password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="two-factor-setup"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#two-factor-secret`, chromedp.ByQuery),
		chromedp.Text(`#two-factor-secret`, &secret, chromedp.ByQuery),
	)
	audit("account-two-factor-setup", "/account", "#two-factor-secret")
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	step("confirm",
		chromedp.Navigate(s.base+"/account"),
		chromedp.WaitVisible(`input[name="tfa_code"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="tfa_code"]`, rfc6238(t, secret, time.Now().Unix()/30), chromedp.ByQuery),
		chromedp.Click(`[data-testid="two-factor-confirm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="recovery-codes"]`, chromedp.ByQuery),
	)
	audit("account-two-factor-on", "/account", `[data-testid="recovery-codes-left"]`)
	step("to the code step",
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		passwordStep(s.base, email, password),
	)
	audit("login-otp", "/login/otp", `[data-testid="otp-submit"]`)
}
