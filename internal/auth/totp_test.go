package auth_test

import (
	"encoding/base32"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// TestTOTPCodeRFC6238 checks the HOTP/TOTP core against the SHA-1 test
// vectors of RFC 6238 Appendix B (secret "12345678901234567890", 30 s steps).
func TestTOTPCodeRFC6238(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := v.unix / 30
		if got := auth.HOTP(key, uint64(step), 8); got != v.want {
			t.Errorf("T=%d: 8 digits %s, want %s", v.unix, got, v.want)
		}
		if got := auth.TOTPCode(key, step); got != v.want[2:] {
			t.Errorf("T=%d: 6 digits %s, want %s", v.unix, got, v.want[2:])
		}
	}
	// The secret's text form decodes as authenticator apps write it.
	b32 := base32.StdEncoding.EncodeToString(key) // GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	for _, s := range []string{b32, "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"} {
		got, err := auth.DecodeSecret(s)
		if err != nil || string(got) != string(key) {
			t.Errorf("DecodeSecret(%q) = %q, %v", s, got, err)
		}
	}
}

// mfaMember creates a member with MFA on and a known secret, directly in the
// store (no step consumed).
func (f *fixture) mfaMember(t *testing.T, email string) (auth.Member, []byte) {
	t.Helper()
	m := f.member(t, email)
	key := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	if err := f.e.Store.Update(f.ctx, func(tx auth.Tx) error { return tx.SetMFA(f.ctx, m.ID, secret, true) }); err != nil {
		t.Fatal(err)
	}
	return f.reload(t, m), key
}

func (f *fixture) reload(t *testing.T, m auth.Member) auth.Member {
	t.Helper()
	m, err := f.e.Store.MemberByID(f.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkOTP runs checkOTP in its own transaction, like a login does.
func (f *fixture) checkOTP(m auth.Member, otp string) error {
	return f.e.Store.Update(f.ctx, func(tx auth.Tx) error { return auth.CheckOTP(f.svc, f.ctx, tx, m, otp) })
}

func isOTPRefusal(err error) bool {
	return auth.ErrorCode(err) == auth.EOTP && auth.ErrorMessage(err) == "Invalid one-time password."
}

// session signs m in (password "correct horse battery") through an API
// door and returns the session id, for the use cases that act for the
// session asking.
func (f *fixture) session(t *testing.T, m auth.Member) int64 {
	t.Helper()
	_, tok, err := f.svc.LoginTokens(f.ctx, auth.LoginInput{Identifier: m.Email, Password: "correct horse battery", Via: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Session.ID
}

// step is the TOTP step of the fixture's clock.
func (f *fixture) step() int64 { return f.clock.Now().Unix() / 30 }

// TestTOTPWindow is docs/security.md M1: T-1, T, T+1 accepted; T-2, T+2 refused;
// at the start, middle and end of a step alike.
func TestTOTPWindow(t *testing.T) {
	f := newFixture(t)
	n := 0
	for _, at := range []time.Duration{0, -15 * time.Second, 14*time.Second + 999*time.Millisecond} {
		f.clock.mu.Lock()
		f.clock.t = t0.Add(at)
		f.clock.mu.Unlock()
		T := f.step()
		if T != t0.Unix()/30 {
			t.Fatalf("offset %v left the step", at)
		}
		m, key := f.mfaMember(t, fmt.Sprintf("far%d@example.com", n))
		n++
		for _, d := range []int64{-2, 2, -3, 3, -10} {
			if err := f.checkOTP(m, auth.TOTPCode(key, T+d)); !isOTPRefusal(err) {
				t.Errorf("at %v: code of step T%+d: %v, want refused", at, d, err)
			}
		}
		if got := f.reload(t, m).MFALastStep; got != 0 {
			t.Errorf("refused codes moved the last step to %d", got)
		}
		for _, d := range []int64{-1, 0, 1} {
			m, key := f.mfaMember(t, fmt.Sprintf("near%d@example.com", n))
			n++
			if err := f.checkOTP(m, auth.TOTPCode(key, T+d)); err != nil {
				t.Errorf("at %v: code of step T%+d: %v, want accepted", at, d, err)
			}
			if got := f.reload(t, m).MFALastStep; got != T+d {
				t.Errorf("last step after T%+d = %d, want %d", d, got, T+d)
			}
		}
	}

	// Malformed codes are refused.
	m, key := f.mfaMember(t, "malformed@example.com")
	for _, otp := range []string{"", "12345", "1234567", "abcdef", "12 345", "１２３４５６", "-12345"} {
		if err := f.checkOTP(m, otp); !isOTPRefusal(err) {
			t.Errorf("otp %q: %v, want refused", otp, err)
		}
	}
	// Surrounding spaces (pasted codes) are fine.
	if err := f.checkOTP(m, " "+auth.TOTPCode(key, f.step())+"\n"); err != nil {
		t.Errorf("code with spaces: %v", err)
	}
	// A member without a secret never passes.
	plain := f.member(t, "plain@example.com")
	if err := f.checkOTP(plain, auth.TOTPCode(key, f.step())); !isOTPRefusal(err) {
		t.Errorf("member without MFA: %v, want refused", err)
	}
}

// TestTOTPReplay is docs/security.md M2.
func TestTOTPReplay(t *testing.T) {
	f := newFixture(t)
	T := f.step()

	t.Run("same code twice", func(t *testing.T) {
		m, key := f.mfaMember(t, "twice@example.com")
		code := auth.TOTPCode(key, T)
		if err := f.checkOTP(m, code); err != nil {
			t.Fatalf("first use: %v", err)
		}
		// A fresh login reads the member again …
		if err := f.checkOTP(f.reload(t, m), code); !isOTPRefusal(err) {
			t.Errorf("second use (fresh member): %v, want refused", err)
		}
		// … and one that raced with a stale copy loses in the store.
		if err := f.checkOTP(m, code); !isOTPRefusal(err) {
			t.Errorf("second use (stale member): %v, want refused", err)
		}
	})

	t.Run("older step after newer", func(t *testing.T) {
		m, key := f.mfaMember(t, "older@example.com")
		if err := f.checkOTP(m, auth.TOTPCode(key, T)); err != nil {
			t.Fatalf("step T: %v", err)
		}
		if err := f.checkOTP(f.reload(t, m), auth.TOTPCode(key, T-1)); !isOTPRefusal(err) {
			t.Errorf("step T-1 after T: %v, want refused", err)
		}
		if err := f.checkOTP(m, auth.TOTPCode(key, T-1)); !isOTPRefusal(err) {
			t.Errorf("step T-1 after T (stale member): %v, want refused", err)
		}
		if err := f.checkOTP(f.reload(t, m), auth.TOTPCode(key, T+1)); err != nil {
			t.Errorf("step T+1 after T: %v, want accepted", err)
		}
	})

	t.Run("within its window after time passes", func(t *testing.T) {
		f := newFixture(t)
		m, key := f.mfaMember(t, "later@example.com")
		code := auth.TOTPCode(key, f.step())
		if err := f.checkOTP(m, code); err != nil {
			t.Fatalf("first use: %v", err)
		}
		f.clock.Advance(30 * time.Second) // the code is now T-1: inside the window
		if err := f.checkOTP(f.reload(t, m), code); !isOTPRefusal(err) {
			t.Errorf("reuse one step later: %v, want refused", err)
		}
	})

	t.Run("10 parallel submissions", func(t *testing.T) {
		m, key := f.mfaMember(t, "parallel@example.com")
		code := auth.TOTPCode(key, T)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = f.checkOTP(m, code)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !isOTPRefusal(err):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of 10 parallel submissions succeeded, want exactly 1", ok)
		}
	})
}
