package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	tfaSecretRE = regexp.MustCompile(`id="two-factor-secret" data-testid="two-factor-secret">([A-Z2-7 ]+)</code>`)
	tfaCodeRE   = regexp.MustCompile(`<code data-testid="recovery-code">([0-9a-z-]+)</code>`)
)

// TestAccountTwoFactor walks the account page's two-factor section: set
// up with the password, the QR code and the key, confirm, the recovery
// codes once; then a recovery code and a replayed code at /login/otp,
// regenerating, and turning it off with a recovery code.
func TestAccountTwoFactor(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("tfa@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("tfa@example.com", goodPassword)
	r := b.get("/account")
	if !strings.Contains(r.body, `data-testid="two-factor-status"`) || !strings.Contains(r.body, ">Off</span>") {
		t.Fatalf("no two-factor status:\n%.3000s", r.body)
	}

	r = b.submit("/account", "/account/two-factor/setup", url.Values{"tfa_password": {"not my password"}})
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.body, `data-testid="error-tfa_password"`) {
		t.Errorf("wrong password: no field message:\n%.3000s", r.body)
	}
	r = b.submit("/account", "/account/two-factor/setup", url.Values{"tfa_password": {goodPassword}})
	expectStatus(t, r, http.StatusSeeOther)
	r = b.get("/account")
	m := tfaSecretRE.FindStringSubmatch(r.body)
	if m == nil || !strings.Contains(r.body, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.Contains(r.body, `<path fill="#000" d="M`) {
		t.Fatalf("no QR code or key:\n%.4000s", r.body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if len(secret) != 32 || !regexp.MustCompile(`^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$`).MatchString(m[1]) {
		t.Errorf("key %q: want 32 base32 characters in groups of four", m[1])
	}
	for name, v := range b.cookies {
		if strings.Contains(v, secret) || strings.Contains(v, secret[:8]) {
			t.Errorf("cookie %s holds the pending secret", name)
		}
	}
	input := regexp.MustCompile(`<input[^>]*id="tfa_code"[^>]*>`).FindString(r.body)
	for _, attr := range []string{`inputmode="numeric"`, `autocomplete="one-time-code"`, `autofocus`} {
		if !strings.Contains(input, attr) {
			t.Errorf("code input lacks %s: %s", attr, input)
		}
	}

	r = b.submit("/account", "/account/two-factor/enable", url.Values{"tfa_code": {wrongTOTP(secret, e.clock.Now())}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-tfa_code"`) || tfaSecretRE.FindString(r.body) == "" {
		t.Errorf("wrong code: the form is not shown again with the message:\n%.3000s", r.body)
	}
	used := totp(secret, e.clock.Now())
	r = b.submit("/account", "/account/two-factor/enable", url.Values{"tfa_code": {used}})
	expectStatus(t, r, http.StatusOK)
	var codes []string
	for _, c := range tfaCodeRE.FindAllStringSubmatch(r.body, -1) {
		codes = append(codes, c[1])
	}
	if len(codes) != 10 || !strings.Contains(r.body, `data-testid="recovery-codes-saved"`) {
		t.Fatalf("recovery codes: %v\n%.3000s", codes, r.body)
	}
	r = b.get("/account")
	if !strings.Contains(r.body, ">On</span>") || !strings.Contains(r.body, `<span data-testid="recovery-codes-left">10</span>`) ||
		tfaCodeRE.MatchString(r.body) || strings.Contains(r.body, "<svg xmlns") {
		t.Errorf("after enabling: status, or codes/QR shown again:\n%.3000s", r.body)
	}

	// /login/otp: the enabling code again is refused as already used.
	x := e.browser()
	if r := x.login("tfa@example.com", goodPassword); r.location() != "/login/otp" {
		t.Fatalf("password step: %d %q", r.StatusCode, r.location())
	}
	r = x.submit("/login/otp", "/login/otp", url.Values{"otp": {used}})
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(html.UnescapeString(r.body), "That code was already used — wait for the next code.") {
		t.Errorf("replayed code: no 'already used' message:\n%.3000s", r.body)
	}
	if !strings.Contains(r.body, `name="recovery_code"`) {
		t.Error("the code step offers no recovery code field")
	}
	r = x.submit("/login/otp", "/login/otp", url.Values{"recovery_code": {strings.ToUpper(codes[0])}})
	if r.StatusCode != http.StatusSeeOther || r.location() != "/account" {
		t.Fatalf("recovery code at /login/otp: %d %q", r.StatusCode, r.location())
	}
	y := e.browser()
	y.login("tfa@example.com", goodPassword)
	r = y.submit("/login/otp", "/login/otp", url.Values{"recovery_code": {codes[0]}})
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.body, "Invalid one-time password.") || !strings.Contains(r.body, `data-testid="error-recovery_code"`) {
		t.Errorf("a used recovery code:\n%.3000s", r.body)
	}

	// Regenerate from the session that passed the second factor.
	r = x.submit("/account", "/account/two-factor/recovery-codes", url.Values{"regen_password": {goodPassword}})
	expectStatus(t, r, http.StatusOK)
	fresh := tfaCodeRE.FindAllStringSubmatch(r.body, -1)
	if len(fresh) != 10 || fresh[0][1] == codes[1] {
		t.Fatalf("regenerated codes: %v", fresh)
	}

	// Turn off: the password and a code, each checked.
	r = x.submit("/account", "/account/two-factor/disable", url.Values{"off_password": {goodPassword}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = x.submit("/account", "/account/two-factor/disable", url.Values{"off_password": {goodPassword}, "off_recovery": {codes[1]}})
	expectStatus(t, r, http.StatusUnprocessableEntity) // replaced by the regenerated set
	if !strings.Contains(r.body, `data-testid="error-off_recovery"`) {
		t.Errorf("old recovery code: no field message:\n%.3000s", r.body)
	}
	r = x.submit("/account", "/account/two-factor/disable", url.Values{"off_password": {goodPassword}, "off_code": {used}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(html.UnescapeString(r.body), "That code was already used — wait for the next code.") ||
		!strings.Contains(r.body, `data-testid="error-off_code"`) {
		t.Errorf("turn off with a used code: no 'already used' on the field:\n%.3000s", r.body)
	}
	e.clock.Advance(30 * time.Second)
	r = x.submit("/account", "/account/two-factor/disable", url.Values{"off_password": {goodPassword}, "off_recovery": {fresh[2][1]}})
	expectStatus(t, r, http.StatusSeeOther)
	if r = x.get("/account"); !strings.Contains(r.body, ">Off</span>") {
		t.Error("two-factor still on")
	}
}

// wrongTOTP is a 6-digit code that is none of the codes valid around at.
func wrongTOTP(secret string, at time.Time) string {
	valid := map[string]bool{}
	for d := -2; d <= 2; d++ {
		valid[totp(secret, at.Add(time.Duration(d)*30*time.Second))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if !valid[c] {
			return c
		}
	}
	return "999999"
}
