package auth_test

import (
	"encoding/base32"
	"net/url"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func TestGenerateTOTP(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann+mfa@example.com")
	sid := f.session(t, m)

	_, err := f.svc.GenerateTOTP(f.ctx, sid, "wrong password", auth.ClientMeta{})
	if auth.ErrorCode(err) != auth.EUNAUTHORIZED || auth.ErrorMessage(err) != "Incorrect password." {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := f.svc.GenerateTOTP(f.ctx, sid, "", auth.ClientMeta{}); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Fatalf("empty password: %v", err)
	}

	s1, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s1.Secret)
	if err != nil || len(key) != auth.TOTPSecretSize || len(key) < 20 {
		t.Fatalf("secret %q: %d bytes, %v", s1.Secret, len(key), err)
	}
	u, err := url.Parse(s1.OTPAuthURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Gatehouse:ann+mfa@example.com" ||
		q.Get("secret") != s1.Secret || q.Get("issuer") != "Gatehouse" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("otpauth URL %s", s1.OTPAuthURL)
	}
	s2, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Secret == s1.Secret {
		t.Error("two generated secrets are equal")
	}
	// Generating stores nothing.
	if got := f.reload(t, m); got.MFAEnabled || got.MFASecret != "" {
		t.Errorf("generate changed the member: enabled %v, secret %q", got.MFAEnabled, got.MFASecret)
	}
}

func TestEnableDisableTOTP(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sid := f.session(t, m)
	gen, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.DecodeSecret(gen.Secret)
	if err != nil {
		t.Fatal(err)
	}
	T := f.step()

	// A wrong code (or one outside the window) leaves MFA off.
	for _, code := range []string{"000000", auth.TOTPCode(key, T-2), auth.TOTPCode(key, T+2), ""} {
		if code == auth.TOTPCode(key, T) || code == auth.TOTPCode(key, T-1) || code == auth.TOTPCode(key, T+1) {
			continue
		}
		if err := f.svc.EnableTOTP(f.ctx, sid, gen.Secret, code); !isOTPRefusal(err) {
			t.Errorf("enable with %q: %v, want refused", code, err)
		}
	}
	if got := f.reload(t, m); got.MFAEnabled || got.MFASecret != "" {
		t.Fatalf("MFA after wrong codes: enabled %v, secret %q", got.MFAEnabled, got.MFASecret)
	}

	// Secrets that are not base32 of at least 20 bytes are refused.
	short := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key[:10])
	for _, secret := range []string{"", "not base32!", short, "AAAA"} {
		err := f.svc.EnableTOTP(f.ctx, sid, secret, auth.TOTPCode(key, T))
		if auth.ErrorCode(err) != auth.EINVALID || auth.ErrorFields(err)["secret"] == "" {
			t.Errorf("enable with secret %q: %v, want EINVALID on secret", secret, err)
		}
	}

	// A valid code turns MFA on; the secret round-trips through the sealed
	// store, and the enrolment code is used up.
	code := auth.TOTPCode(key, T)
	if err := f.svc.EnableTOTP(f.ctx, sid, gen.Secret, code); err != nil {
		t.Fatalf("enable: %v", err)
	}
	on := f.reload(t, m)
	if !on.MFAEnabled || on.MFASecret != gen.Secret || on.MFALastStep != T {
		t.Fatalf("after enable: enabled %v, secret %q (want %q), last step %d (want %d)",
			on.MFAEnabled, on.MFASecret, gen.Secret, on.MFALastStep, T)
	}
	if err := f.checkOTP(on, code); !isOTPRefusal(err) {
		t.Errorf("enrolment code reused at login: %v, want refused", err)
	}
	if err := f.svc.EnableTOTP(f.ctx, sid, gen.Secret, auth.TOTPCode(key, T+1)); auth.ErrorCode(err) != auth.EINVALID {
		t.Errorf("enable twice: %v, want EINVALID", err)
	}
	if _, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{}); auth.ErrorCode(err) != auth.EINVALID {
		t.Errorf("generate while on: %v, want EINVALID", err)
	}

	// The next step's code logs in; disabling needs yet another fresh code.
	f.clock.Advance(30 * time.Second)
	if err := f.checkOTP(f.reload(t, m), auth.TOTPCode(key, T+1)); err != nil {
		t.Fatalf("login code: %v", err)
	}
	if err := f.svc.DisableTOTP(f.ctx, sid, auth.TOTPCode(key, T+1), auth.ClientMeta{}); !isOTPRefusal(err) {
		t.Errorf("disable with a used code: %v, want refused", err)
	}
	if err := f.svc.DisableTOTP(f.ctx, sid, wrongCode(auth.TOTPCode(key, T+2)), auth.ClientMeta{}); !isOTPRefusal(err) {
		t.Errorf("disable with a wrong code: %v, want refused", err)
	}
	if got := f.reload(t, m); !got.MFAEnabled || got.MFASecret != gen.Secret {
		t.Fatalf("refused disable changed MFA: enabled %v", got.MFAEnabled)
	}
	if err := f.svc.DisableTOTP(f.ctx, sid, auth.TOTPCode(key, T+2), auth.ClientMeta{}); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if got := f.reload(t, m); got.MFAEnabled || got.MFASecret != "" {
		t.Errorf("after disable: enabled %v, secret %q", got.MFAEnabled, got.MFASecret)
	}
	if err := f.svc.DisableTOTP(f.ctx, sid, auth.TOTPCode(key, T+3), auth.ClientMeta{}); auth.ErrorCode(err) != auth.EINVALID {
		t.Errorf("disable while off: %v, want EINVALID", err)
	}

	// Enrolling again with a new secret works right away.
	gen2, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	key2, _ := auth.DecodeSecret(gen2.Secret)
	if err := f.svc.EnableTOTP(f.ctx, sid, gen2.Secret, auth.TOTPCode(key2, f.step())); err != nil {
		t.Errorf("re-enable: %v", err)
	}
}

// wrongCode returns a code that differs from code in every digit.
func wrongCode(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+5)%10
	}
	return string(b)
}
