package auth_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

var recoveryShape = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

// enableWithCodes turns two-factor on for m through the use case and
// returns the session, the key and the recovery codes.
func (f *fixture) enableWithCodes(t *testing.T, m auth.Member) (int64, []byte, []string) {
	t.Helper()
	sid := f.session(t, m)
	gen, err := f.svc.GenerateTOTP(f.ctx, sid, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := auth.DecodeSecret(gen.Secret)
	codes, err := f.svc.EnableTOTPWithCodes(f.ctx, sid, gen.Secret, auth.TOTPCode(key, f.step()), auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	return sid, key, codes
}

// loginOTP is a password login with a second factor through an API door.
func (f *fixture) loginOTP(m auth.Member, otp string) error {
	_, _, err := f.svc.LoginTokens(f.ctx, auth.LoginInput{Identifier: m.Email, Password: "correct horse battery", OTP: otp, Via: auth.ViaOpenAPI})
	return err
}

func (f *fixture) codesLeft(t *testing.T, m auth.Member) int {
	t.Helper()
	st, err := f.svc.TwoFactor(f.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return st.RecoveryCodes
}

func (f *fixture) audits(t *testing.T, m auth.Member, action string) []auth.AuditEntry {
	t.Helper()
	es, err := f.e.Store.ListAudit(f.ctx, auth.AuditQuery{MemberID: m.ID, Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestRecoveryCodes(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	if st, err := f.svc.TwoFactor(f.ctx, m.ID); err != nil || st.Enabled || st.RecoveryCodes != 0 {
		t.Fatalf("status before: %+v, %v", st, err)
	}
	_, _, codes := f.enableWithCodes(t, m)
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryShape.MatchString(c) || seen[c] {
			t.Errorf("code %q: bad shape or repeated", c)
		}
		seen[c] = true
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes, want 10", len(codes))
	}
	if st, _ := f.svc.TwoFactor(f.ctx, m.ID); !st.Enabled || st.RecoveryCodes != 10 {
		t.Fatalf("status after enabling: %+v", st)
	}
	if len(f.audits(t, m, auth.AuditMFAEnabled)) != 1 {
		t.Error("no mfa.enabled audit entry")
	}

	// Stored hashed: no code appears in the table.
	if n := count(t, f.e.DBPath, `SELECT count(*) FROM recovery_codes WHERE member_id = ? AND hash NOT LIKE '%-%' AND length(hash) = 64`, m.ID); n != 10 {
		t.Fatalf("stored hashes: %d", n)
	}
	for _, c := range codes {
		if n := count(t, f.e.DBPath, `SELECT count(*) FROM recovery_codes WHERE hash LIKE ?`, "%"+c[:5]+"%"); n != 0 {
			t.Errorf("code %q stored in clear", c)
		}
	}

	// A wrong recovery-shaped code, or another member's, is refused like a wrong TOTP code.
	if err := f.loginOTP(m, "zzzzz-zzzzz"); !isOTPRefusal(err) || auth.IsReplayedOTP(err) {
		t.Errorf("wrong recovery code: %v", err)
	}
	// A code typed in capitals, with a space and o/l for 0/1 opens a login, once.
	typed := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(codes[3], "0", "o"), "1", "l"))
	typed = strings.Replace(typed, "-", " ", 1)
	if err := f.loginOTP(m, typed); err != nil {
		t.Fatalf("recovery code %q (typed %q): %v", codes[3], typed, err)
	}
	if err := f.loginOTP(m, codes[3]); !isOTPRefusal(err) || auth.IsReplayedOTP(err) {
		t.Errorf("used recovery code again: %v, want the plain refusal", err)
	}
	if n := f.codesLeft(t, m); n != 9 {
		t.Errorf("codes left: %d, want 9", n)
	}
	used := f.audits(t, m, auth.AuditMFARecoveryUsed)
	if len(used) != 1 || used[0].Detail != "9 left" || used[0].SubjectID != m.ID {
		t.Errorf("mfa.recovery_used entries: %+v", used)
	}
}

func TestReplayedTOTPIsMarked(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	_, key, _ := f.enableWithCodes(t, m)
	f.clock.Advance(30 * time.Second)
	code := auth.TOTPCode(key, f.step())
	if err := f.loginOTP(m, code); err != nil {
		t.Fatal(err)
	}
	err := f.loginOTP(m, code)
	if !isOTPRefusal(err) || !auth.IsReplayedOTP(err) {
		t.Errorf("replayed code: %v (replayed %v), want the same refusal marked replayed", err, auth.IsReplayedOTP(err))
	}
	if err := f.loginOTP(m, wrongCode(auth.TOTPCode(key, f.step()+1))); !isOTPRefusal(err) || auth.IsReplayedOTP(err) {
		t.Errorf("wrong code: %v, replayed %v", err, auth.IsReplayedOTP(err))
	}
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sid, key, old := f.enableWithCodes(t, m)
	if _, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "wrong password", "", auth.ClientMeta{}); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "", "000000", auth.ClientMeta{}); !isOTPRefusal(err) {
		t.Errorf("wrong code: %v", err)
	}
	// The password alone is not enough from a session that did not pass
	// the second factor (this one is from before two-factor was on).
	if _, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "correct horse battery", "", auth.ClientMeta{}); auth.ErrorCode(err) != auth.EOTP {
		t.Errorf("password from a session without the second factor: %v", err)
	}
	f.clock.Advance(30 * time.Second)
	_, tok, err := f.svc.LoginTokens(f.ctx, auth.LoginInput{Identifier: m.Email, Password: "correct horse battery",
		OTP: auth.TOTPCode(key, f.step()), Via: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	mfaSid := tok.Session.ID
	fresh, err := f.svc.RegenerateRecoveryCodes(f.ctx, mfaSid, "correct horse battery", "", auth.ClientMeta{})
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate: %d codes, %v", len(fresh), err)
	}
	if err := f.loginOTP(m, old[0]); !isOTPRefusal(err) {
		t.Errorf("an old code after regenerating: %v", err)
	}
	// With a current code instead of the password; a recovery code counts.
	again, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "", fresh[0], auth.ClientMeta{})
	if err != nil || len(again) != 10 || again[0] == fresh[0] {
		t.Fatalf("regenerate with a recovery code: %v", err)
	}
	f.clock.Advance(30 * time.Second)
	if _, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "", auth.TOTPCode(key, f.step()), auth.ClientMeta{}); err != nil {
		t.Fatalf("regenerate with a TOTP code: %v", err)
	}
	if n := len(f.audits(t, m, auth.AuditMFARecoveryRegenerated)); n != 3 {
		t.Errorf("%d mfa.recovery_regenerated entries, want 3", n)
	}
	if n := f.codesLeft(t, m); n != 10 {
		t.Errorf("codes left: %d", n)
	}
}

func TestDisableTwoFactorDeletesCodes(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sid, _, codes := f.enableWithCodes(t, m)
	if err := f.svc.DisableTwoFactor(f.ctx, sid, "wrong password", codes[0], auth.ClientMeta{}); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("wrong password: %v", err)
	}
	if err := f.svc.DisableTwoFactor(f.ctx, sid, "correct horse battery", "zzzzz-zzzzz", auth.ClientMeta{}); !isOTPRefusal(err) {
		t.Errorf("wrong code: %v", err)
	}
	if err := f.svc.DisableTwoFactor(f.ctx, sid, "correct horse battery", codes[0], auth.ClientMeta{}); err != nil {
		t.Fatalf("disable with a recovery code: %v", err)
	}
	if st, _ := f.svc.TwoFactor(f.ctx, m.ID); st.Enabled || st.RecoveryCodes != 0 {
		t.Errorf("after disabling: %+v", st)
	}
	if n := count(t, f.e.DBPath, `SELECT count(*) FROM recovery_codes WHERE member_id = ?`, m.ID); n != 0 {
		t.Errorf("codes stored after disabling: %d", n)
	}
	if len(f.audits(t, m, auth.AuditMFADisabled)) != 1 {
		t.Error("no mfa.disabled audit entry")
	}
	// Without two-factor there is nothing to regenerate.
	if _, err := f.svc.RegenerateRecoveryCodes(f.ctx, sid, "correct horse battery", "", auth.ClientMeta{}); auth.ErrorCode(err) != auth.EINVALID {
		t.Errorf("regenerate while off: %v", err)
	}
}
