package auth_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// Tests for the findings of issue 9 ("Why") in the domain core; each failed
// before the one gate (gate.go). The HTTP side is in web/gate_why_test.go
// and web/doormatrix_test.go.

// overloadedHasher answers Verify with the hash pool's own ErrOverloaded
// while full is set, as auth.Argon2 does when its queue is full (see
// TestArgon2Overloaded for the pool itself).
type overloadedHasher struct {
	auth.Hasher
	full atomic.Bool
}

func (h *overloadedHasher) Verify(password, encoded string) (bool, bool, error) {
	if h.full.Load() {
		return false, false, auth.ErrOverloaded
	}
	return h.Hasher.Verify(password, encoded)
}

// TestWhyChangeOverloaded: with the hash queue full, a credential change
// answers EUNAVAILABLE (a 503 at every door), never "incorrect password",
// and the overloaded attempts do not count: after 12 of them the right
// password still works at once.
func TestWhyChangeOverloaded(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	h := &overloadedHasher{Hasher: auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1})}
	svc, err := auth.NewService(e.Store, h, auth.Config{BaseURL: "https://auth.example.test", FailureFloor: time.Millisecond}, auth.Options{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	m := e.Member(t, "ann@example.com", pw)
	meta := auth.ClientMeta{IP: "198.51.100.7"}
	_, sess, err := svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]func(current, next string) error{
		"ChangePassword (session)": func(current, next string) error {
			return svc.ChangePassword(ctx, auth.ChangePasswordInput{SessionID: sess.ID, Current: current, New: next, Meta: meta})
		},
		"ChangePassword (kuroco login_id)": func(current, next string) error {
			return svc.ChangePassword(ctx, auth.ChangePasswordInput{LoginID: m.Email, Current: current, New: next, Meta: meta})
		},
		"GenerateTOTP": func(current, _ string) error {
			_, err := svc.GenerateTOTP(ctx, sess.ID, current, meta)
			return err
		},
	}
	h.full.Store(true)
	for name, change := range changes {
		for i := range 12 {
			if err := change(pw, "another fine passphrase"); auth.ErrorCode(err) != auth.EUNAVAILABLE || auth.AsError(err).RetryAfter <= 0 {
				t.Fatalf("%s #%d with the queue full: %v (%s), want unavailable with Retry-After", name, i+1, err, auth.ErrorCode(err))
			}
		}
	}
	h.full.Store(false)
	if _, err := svc.GenerateTOTP(ctx, sess.ID, pw, meta); err != nil {
		t.Fatalf("the right password after the overload: %v", err)
	}
	if err := changes["ChangePassword (session)"](pw, "another fine passphrase"); err != nil {
		t.Fatalf("the change after the overload: %v", err)
	}
}

// TestWhyGuardProxyRefusesUnknownSession: GuardProxy lets only a live
// session of the member itself through: no session, an unknown id, an
// ended one and an idle one are refused.
func TestWhyGuardProxyRefusesUnknownSession(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	m := e.Member(t, "ann@example.com", pw)
	login := func() auth.Session {
		_, s, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage, Meta: auth.ClientMeta{IP: "198.51.100.7"}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	live, ended, idle := login(), login(), login()
	if err := e.Svc.GuardProxy(ctx, live.ID); err != nil {
		t.Fatalf("a live session of the member: %v", err)
	}
	if err := e.Svc.Logout(ctx, ended.ID); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]int64{"none": 0, "unknown": idle.ID + 1000, "ended": ended.ID} {
		if err := e.Svc.GuardProxy(ctx, id); err == nil {
			t.Errorf("%s session let through", name)
		}
	}
	e.Clock.Advance(e.Svc.Config().SessionIdle + time.Minute)
	if err := e.Svc.GuardProxy(ctx, idle.ID); err == nil {
		t.Error("an idle session let through")
	}
}

// TestMeasureHashesOneIP is the closing note's measurement, as a count:
// one IP sending 150 wrong passwords spread over 15 accounts on one door
// gets at most the per-IP allowance (100 a minute) evaluated by the
// hasher; the rest are refused before any hash. Run with -v for the
// numbers.
func TestMeasureHashesOneIP(t *testing.T) {
	doors := map[string]func(l *lockEnv, id string) error{
		"Login (pages)": func(l *lockEnv, id string) error { return l.login(id, "wrong password here", "198.51.100.7") },
		"ChangePassword (kuroco reset_password)": func(l *lockEnv, id string) error {
			return l.svc.ChangePassword(l.ctx, auth.ChangePasswordInput{LoginID: id, Current: "wrong password here",
				New: "another fine passphrase", Meta: auth.ClientMeta{IP: "198.51.100.7"}})
		},
		"LoginTokens (APIs)": func(l *lockEnv, id string) error {
			_, _, err := l.svc.LoginTokens(l.ctx, auth.LoginInput{Identifier: id, Password: "wrong password here", Via: auth.ViaDirectus,
				Meta: auth.ClientMeta{IP: "198.51.100.7"}})
			return err
		},
	}
	for name, try := range doors {
		t.Run(name, func(t *testing.T) {
			l := newLockEnv(t, auth.Config{})
			for i := range 15 {
				l.Member(t, fmt.Sprintf("acct%d@example.com", i), rightPassword)
			}
			before := l.hasher.verifies.Load()
			limited := 0
			for i := range 150 {
				err := try(l, fmt.Sprintf("acct%d@example.com", i%15))
				switch auth.ErrorCode(err) {
				case auth.ERATELIMIT:
					limited++
				case auth.EUNAUTHORIZED, auth.EINVALID:
				default:
					t.Fatalf("attempt %d: %v", i+1, err)
				}
			}
			hashed := l.hasher.verifies.Load() - before
			t.Logf("%s: one IP, 150 wrong passwords over 15 accounts: %d reached the hasher, %d refused before it", name, hashed, limited)
			if hashed > 100 || int(hashed)+limited != 150 {
				t.Fatalf("%d hashes, %d refused; the allowance is 100", hashed, limited)
			}
		})
	}
}

// TestWhyCodeCounterHoldsForNewDevices: a client that proved only the
// password is not yet one that signed in. Someone holding the password
// and a fresh device cookie per try therefore shares the account's code
// counter: after ten wrong codes from ten new devices (and IPs), the
// right code from yet another new device is refused. (Before, each device
// that passed the password got a code counter of its own.)
func TestWhyCodeCounterHoldsForNewDevices(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	m := l.Member(t, "ann@example.com", rightPassword)
	code, _ := l.enableMFA(t, m)
	device := func(i int) auth.ClientMeta {
		return auth.ClientMeta{IP: fmt.Sprintf("198.51.100.%d", i+1), Device: fmt.Sprintf("device-%d", i)}
	}
	challenge := func(meta auth.ClientMeta) string {
		t.Helper()
		_, _, err := l.svc.Login(l.ctx, auth.LoginInput{Identifier: m.Email, Password: rightPassword, Via: auth.ViaPage, Meta: meta})
		if e := auth.AsError(err); e == nil || e.Code != auth.EOTP || e.Challenge == "" {
			t.Fatalf("password step: %v", err)
		}
		return auth.AsError(err).Challenge
	}
	for i := range 10 {
		meta := device(i)
		if _, _, err := l.svc.CompleteMFA(l.ctx, challenge(meta), wrongCode(code()), meta); auth.ErrorCode(err) != auth.EOTP {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	meta := device(10)
	_, _, err := l.svc.CompleteMFA(l.ctx, challenge(meta), code(), meta)
	wantLocked(t, err, "the right code from a new device after ten wrong codes")
}

// TestWhyCodeCounterHoldsAtAPIDoors: at an API door, the right password
// with a wrong code does not make the client known either: ten such tries
// from one IP count on the account's code counter, so the right code from
// another IP is refused.
func TestWhyCodeCounterHoldsAtAPIDoors(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	m := l.Member(t, "ann@example.com", rightPassword)
	code, _ := l.enableMFA(t, m)
	login := func(otp, ip string) error {
		_, _, err := l.svc.LoginTokens(l.ctx, auth.LoginInput{Identifier: m.Email, Password: rightPassword, OTP: otp,
			Via: auth.ViaDirectus, Meta: auth.ClientMeta{IP: ip}})
		return err
	}
	for i := range 10 {
		if err := login(wrongCode(code()), "203.0.113.66"); auth.ErrorCode(err) != auth.EOTP {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	wantLocked(t, login(code(), "198.51.100.7"), "the right password and code from another IP")
}
