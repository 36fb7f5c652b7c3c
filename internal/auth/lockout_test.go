package auth_test

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// countingHasher counts the hash verifications (docs/security.md B1: "count the
// hash calls through a fake hasher"); failHash makes Hash fail.
type countingHasher struct {
	auth.Hasher
	verifies atomic.Int64
	rehash   bool
	failHash atomic.Bool
}

func (h *countingHasher) Verify(password, encoded string) (bool, bool, error) {
	h.verifies.Add(1)
	ok, rehash, err := h.Hasher.Verify(password, encoded)
	return ok, rehash || (ok && h.rehash), err
}

func (h *countingHasher) Hash(password string) (string, error) {
	if h.failHash.Load() {
		return "", errors.New("hasher broke")
	}
	return h.Hasher.Hash(password)
}

// lockEnv is an authtest store with a service over a counting hasher.
type lockEnv struct {
	*authtest.Env
	svc    *auth.Service
	hasher *countingHasher
	ctx    context.Context
}

const rightPassword = "correct horse battery"

func newLockEnv(t *testing.T, cfg auth.Config) *lockEnv {
	t.Helper()
	e := authtest.New(t, cfg)
	l := &lockEnv{Env: e, ctx: context.Background()}
	l.svc, l.hasher = l.restart(t, cfg)
	return l
}

// restart builds a new service on the same database: another process.
func (l *lockEnv) restart(t *testing.T, cfg auth.Config) (*auth.Service, *countingHasher) {
	t.Helper()
	h := &countingHasher{Hasher: auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1})}
	cfg.BaseURL = "https://auth.example.test"
	if cfg.FailureFloor == 0 {
		cfg.FailureFloor = time.Millisecond
	}
	svc, err := auth.NewService(l.Store, h, cfg, auth.Options{Now: l.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, h
}

func (l *lockEnv) login(id, pw, ip string) error {
	_, _, err := l.svc.Login(l.ctx, auth.LoginInput{Identifier: id, Password: pw, Via: auth.ViaPage, Meta: auth.ClientMeta{IP: ip}})
	return err
}

func retryAfter(err error) time.Duration {
	if e := auth.AsError(err); e != nil {
		return e.RetryAfter
	}
	return 0
}

func wantLocked(t *testing.T, err error, what string) {
	t.Helper()
	if auth.ErrorCode(err) != auth.ERATELIMIT || retryAfter(err) <= 0 {
		t.Fatalf("%s: %v (retry %v), want rate_limited with RetryAfter", what, err, retryAfter(err))
	}
}

// TestLockoutB1: 10 wrong passwords from 10 IPs lock the account; the 11th
// is refused even with the right password, without a hash; after
// Retry-After the right password works and the counter resets.
func TestLockoutB1(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	l.Member(t, "ann@example.com", rightPassword)
	for i := range 10 {
		if err := l.login("ann@example.com", "wrong password!", fmt.Sprintf("10.0.0.%d", i)); !auth.ErrInvalidCredentials(err) {
			t.Fatalf("wrong #%d: %v", i+1, err)
		}
	}
	before := l.hasher.verifies.Load()
	err := l.login("ann@example.com", rightPassword, "10.0.1.1")
	wantLocked(t, err, "11th with the right password")
	if retryAfter(err) > time.Minute {
		t.Errorf("first backoff %v, want at most 1 min", retryAfter(err))
	}
	if n := l.hasher.verifies.Load() - before; n != 0 {
		t.Errorf("a backed-off attempt evaluated %d hashes", n)
	}
	l.Clock.Advance(retryAfter(err) + time.Second)
	if err := l.login("ann@example.com", rightPassword, "10.0.1.1"); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
	if _, err := l.Store.LoginFailures(l.ctx, "m:1"); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("counter after a success: %v, want reset", err)
	}
	// A fresh round of 9 failures does not lock.
	for range 9 {
		_ = l.login("ann@example.com", "wrong password!", "10.0.2.1")
	}
	if err := l.login("ann@example.com", rightPassword, "10.0.2.1"); err != nil {
		t.Fatalf("after 9 failures: %v", err)
	}
}

// TestLockoutConcurrent: 50 concurrent wrong attempts evaluate at most 10
// hashes; the rest are refused with 429 (B1: no limit overrun).
func TestLockoutConcurrent(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	l.Member(t, "ann@example.com", rightPassword)
	before := l.hasher.verifies.Load()
	var (
		wg      sync.WaitGroup
		limited atomic.Int64
		invalid atomic.Int64
	)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.login("ann@example.com", "wrong password!", fmt.Sprintf("10.1.0.%d", i))
			switch {
			case auth.ErrorCode(err) == auth.ERATELIMIT:
				limited.Add(1)
			case auth.ErrInvalidCredentials(err):
				invalid.Add(1)
			default:
				t.Errorf("attempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := l.hasher.verifies.Load() - before; n > 10 {
		t.Errorf("50 concurrent wrong attempts evaluated %d hashes, want at most 10", n)
	}
	if invalid.Load() > 10 || limited.Load() < 40 {
		t.Errorf("%d evaluated failures, %d rate limited", invalid.Load(), limited.Load())
	}
}

// TestLockoutSpellings: every spelling of one account shares one counter
// (B2), and an unknown identifier locks the same way as a known one (B5).
func TestLockoutSpellings(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	ctx := l.ctx
	if _, err := l.svc.CreateMember(ctx, auth.CreateMemberInput{Email: "alice@example.com", Username: "alice", Password: rightPassword, Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	spellings := []string{"Alice", "alice", " alice@EXAMPLE.com ", "ALICE@example.com"}
	for i := range 10 {
		if err := l.login(spellings[i%len(spellings)], "wrong password!", "10.2.0.1"); !auth.ErrInvalidCredentials(err) {
			t.Fatalf("wrong #%d: %v", i+1, err)
		}
	}
	known := l.login("alice", rightPassword, "10.2.0.2")
	wantLocked(t, known, "alice after 10 failures across spellings")
	for _, s := range spellings {
		wantLocked(t, l.login(s, rightPassword, "10.2.0.3"), s)
	}
	for i := range 10 {
		id := []string{"Nobody@Example.com", "nobody@example.com "}[i%2]
		if err := l.login(id, "wrong password!", "10.2.0.4"); !auth.ErrInvalidCredentials(err) {
			t.Fatalf("unknown wrong #%d: %v", i+1, err)
		}
	}
	unknown := l.login("nobody@example.com", "anything at all", "10.2.0.5")
	wantLocked(t, unknown, "unknown after 10 failures")
	if auth.ErrorMessage(known) != auth.ErrorMessage(unknown) || retryAfter(known) != retryAfter(unknown) {
		t.Errorf("known lock %v (%v), unknown lock %v (%v)", known, retryAfter(known), unknown, retryAfter(unknown))
	}
}

// TestLockoutSustained: an hour of guessing evaluates at most 100 failures
// (B3), the backoff doubles 1, 2, 4, 8, 15 min and never becomes permanent,
// forgot-password works during a backoff, and 12 quiet hours start over.
func TestLockoutSustained(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	l.Member(t, "ann@example.com", rightPassword)
	start := l.Clock.Now()
	var (
		evaluated int
		backoffs  []time.Duration
	)
	for l.Clock.Now().Sub(start) < time.Hour {
		err := l.login("ann@example.com", "wrong password!", "10.3.0.1")
		switch {
		case auth.ErrInvalidCredentials(err):
			evaluated++
		case auth.ErrorCode(err) == auth.ERATELIMIT:
			backoffs = append(backoffs, retryAfter(err))
			l.Clock.Advance(retryAfter(err))
		default:
			t.Fatal(err)
		}
		l.Clock.Advance(time.Second)
	}
	if evaluated > 100 {
		t.Errorf("%d failures evaluated in an hour, want at most 100", evaluated)
	}
	want := []time.Duration{1, 2, 4, 8, 15, 15}
	for i, d := range want {
		if i >= len(backoffs) || backoffs[i] < d*time.Minute-2*time.Second || backoffs[i] > d*time.Minute {
			t.Fatalf("backoffs %v, want %v minutes", backoffs, want)
		}
	}
	// Forgot-password still works while backed off.
	_ = l.login("ann@example.com", "wrong password!", "10.3.0.1")
	for range 9 {
		_ = l.login("ann@example.com", "wrong password!", "10.3.0.1")
	}
	wantLocked(t, l.login("ann@example.com", rightPassword, "10.3.0.1"), "locked")
	if err := l.svc.RequestReset(l.ctx, auth.ResetRequest{Identifier: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if ms := l.Mails(t); len(ms) == 0 || ms[0].Kind != auth.MailReset {
		t.Fatalf("no reset mail during the backoff: %+v", ms)
	}
	// 12 quiet hours reset the counter: the next backoff is 1 minute again.
	l.Clock.Advance(12*time.Hour + time.Minute)
	for range 10 {
		_ = l.login("ann@example.com", "wrong password!", "10.3.0.1")
	}
	err := l.login("ann@example.com", rightPassword, "10.3.0.1")
	wantLocked(t, err, "after the quiet period")
	if retryAfter(err) > time.Minute {
		t.Errorf("backoff after 12 quiet hours = %v, want 1 min", retryAfter(err))
	}
}

// TestLockoutPersists: the increment is committed although the request
// fails afterwards, and a restarted server (a new Service on the same
// database) keeps both the counter and the lock (L5).
func TestLockoutPersists(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	m := l.Member(t, "ann@example.com", rightPassword)
	// The right password, but the request fails after the reservation
	// (the rehash breaks): the attempt stays counted.
	l.hasher.rehash = true
	l.hasher.failHash.Store(true)
	if err := l.login("ann@example.com", rightPassword, "10.4.0.1"); err == nil || auth.ErrorCode(err) != auth.EINTERNAL {
		t.Fatalf("login with a broken rehash: %v, want an internal error", err)
	}
	f, err := l.Store.LoginFailures(l.ctx, fmt.Sprintf("m:%d", m.ID))
	if err != nil || f.Failures != 1 {
		t.Fatalf("counter after the failed request: %+v, %v", f, err)
	}
	l.hasher.rehash = false
	l.hasher.failHash.Store(false)
	for range 8 {
		_ = l.login("ann@example.com", "wrong password!", "10.4.0.1")
	}
	// Restart: the 10th failure on the new process locks.
	l.svc, l.hasher = l.restart(t, auth.Config{})
	_ = l.login("ann@example.com", "wrong password!", "10.4.0.1")
	wantLocked(t, l.login("ann@example.com", rightPassword, "10.4.0.1"), "after the 10th failure")
	l.svc, l.hasher = l.restart(t, auth.Config{})
	wantLocked(t, l.login("ann@example.com", rightPassword, "10.4.0.1"), "after a restart")
	if n := l.hasher.verifies.Load(); n != 0 {
		t.Errorf("locked attempt after restart evaluated %d hashes", n)
	}
}

// TestIPThrottle: one IP failing on 101 different accounts within a minute
// is throttled (B4); successes are not counted; other IPs are unaffected;
// a restart resets the in-memory window, as documented.
func TestIPThrottle(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	l.Member(t, "ann@example.com", rightPassword)
	for i := range 100 {
		if err := l.login(fmt.Sprintf("user%d@example.com", i), "wrong password!", "203.0.113.9"); !auth.ErrInvalidCredentials(err) {
			t.Fatalf("failure #%d: %v", i+1, err)
		}
		if i%10 == 0 { // successes in between do not count
			if err := l.login("ann@example.com", rightPassword, "203.0.113.9"); err != nil {
				t.Fatalf("success: %v", err)
			}
		}
	}
	before := l.hasher.verifies.Load()
	err := l.login("user100@example.com", "wrong password!", "203.0.113.9")
	wantLocked(t, err, "101st failure from one IP")
	wantLocked(t, l.login("ann@example.com", rightPassword, "203.0.113.9"), "right password from the throttled IP")
	if n := l.hasher.verifies.Load() - before; n != 0 {
		t.Errorf("throttled attempts evaluated %d hashes", n)
	}
	if err := l.login("ann@example.com", rightPassword, "203.0.113.10"); err != nil {
		t.Fatalf("another IP: %v", err)
	}
	l.Clock.Advance(retryAfter(err) + time.Second)
	if err := l.login("ann@example.com", rightPassword, "203.0.113.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Off: no per-IP limit.
	l.svc, l.hasher = l.restart(t, auth.Config{IPFailureLimit: -1})
	for i := range 120 {
		if err := l.login(fmt.Sprintf("off%d@example.com", i), "wrong password!", "203.0.113.11"); !auth.ErrInvalidCredentials(err) {
			t.Fatalf("throttle off, failure #%d: %v", i+1, err)
		}
	}
}

// TestFailureTiming: unknown account and wrong password take the same time
// thanks to the dummy hash and the failure floor (B6).
func TestFailureTiming(t *testing.T) {
	const floor = 50 * time.Millisecond
	l := newLockEnv(t, auth.Config{FailureFloor: floor, IPFailureLimit: -1})
	l.Member(t, "ann@example.com", rightPassword)
	median := func(id string) time.Duration {
		var ds []time.Duration
		for i := range 30 {
			if i%9 == 8 { // stay under the account lockout
				l.Clock.Advance(13 * time.Hour) // a quiet period resets the counter
			}
			start := time.Now()
			err := l.login(id, "wrong password!", "10.5.0.1")
			ds = append(ds, time.Since(start))
			if !auth.ErrInvalidCredentials(err) {
				t.Fatalf("%s: %v", id, err)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	unknown, wrong := median("nobody@example.com"), median("ann@example.com")
	if unknown < floor || wrong < floor {
		t.Errorf("medians %v (unknown), %v (wrong password): below the %v floor", unknown, wrong, floor)
	}
	if lo, hi := min(unknown, wrong), max(unknown, wrong); float64(hi) > 1.2*float64(lo) {
		t.Errorf("medians differ by more than 20%%: unknown %v, wrong password %v", unknown, wrong)
	}
}

// TestRegisterOrNotify: a taken email answers like a new signup, mails the
// owner and creates nothing (B7).
func TestRegisterOrNotify(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	in := auth.RegisterInput{Name: "Ann", Email: "ann@example.com", Password: rightPassword, Via: auth.ViaPage}
	created, err := l.svc.RegisterOrNotify(l.ctx, in)
	if err != nil || !created {
		t.Fatalf("new signup: %v, %v", created, err)
	}
	in.Email, in.Name = " ANN@example.com", "Mallory"
	created, err = l.svc.RegisterOrNotify(l.ctx, in)
	if err != nil || created {
		t.Fatalf("taken email: %v, %v", created, err)
	}
	ms := l.Mails(t)
	if len(ms) != 2 || ms[0].Kind != auth.MailRegisterAttempt || ms[0].To != "ann@example.com" || ms[1].Kind != auth.MailWelcome {
		t.Fatalf("mails: %+v", ms)
	}
	all, err := l.Store.ListMembers(l.ctx, auth.MemberQuery{Limit: 10})
	if err != nil || len(all) != 1 || all[0].Name != "Ann" {
		t.Fatalf("members: %+v, %v", all, err)
	}
	if _, err := l.svc.RegisterOrNotify(l.ctx, auth.RegisterInput{Name: "Bo", Email: "bo@example.com", Password: "short"}); auth.ErrorCode(err) != auth.EINVALID {
		t.Errorf("weak password: %v", err)
	}
}

// enableMFA turns on TOTP for m (a member with rightPassword) and returns
// the code of the current step and a way to pass the password step of a
// page login, which yields the pending login's challenge.
func (l *lockEnv) enableMFA(t *testing.T, m auth.Member) (code func() string, challenge func() string) {
	t.Helper()
	key := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	if err := l.Store.Update(l.ctx, func(tx auth.Tx) error { return tx.SetMFA(l.ctx, m.ID, secret, true) }); err != nil {
		t.Fatal(err)
	}
	code = func() string { return auth.TOTPCode(key, l.Clock.Now().Unix()/30) }
	challenge = func() string {
		t.Helper()
		_, _, err := l.svc.Login(l.ctx, auth.LoginInput{Identifier: m.Email, Password: rightPassword, Via: auth.ViaPage})
		e := auth.AsError(err)
		if e == nil || e.Code != auth.EOTP || e.Challenge == "" {
			t.Fatalf("password step: %v", err)
		}
		return e.Challenge
	}
	return code, challenge
}

// TestLockoutTOTP: wrong one-time passwords count on the account's code
// counter, apart from its password counter (M3): five wrong codes end the
// pending login, and once the code counter is backed off the right
// password and the right code are refused.
func TestLockoutTOTP(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	m := l.Member(t, "ann@example.com", rightPassword)
	code, challenge := l.enableMFA(t, m)
	counter := func(key string) int {
		f, err := l.Store.LoginFailures(l.ctx, key)
		if auth.ErrorCode(err) == auth.ENOTFOUND {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return f.Failures
	}
	passwords, codes := fmt.Sprintf("m:%d", m.ID), fmt.Sprintf("o:%d", m.ID)
	c := challenge()
	for i := range 5 {
		if _, _, err := l.svc.CompleteMFA(l.ctx, c, wrongCode(code()), auth.ClientMeta{}); auth.ErrorCode(err) != auth.EOTP && auth.ErrorCode(err) != auth.EUNAUTHORIZED {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	if n, p := counter(codes), counter(passwords); n != 5 || p != 0 {
		t.Errorf("after the right password and 5 wrong codes: code counter %d (want 5), password counter %d (want 0)", n, p)
	}
	if _, _, err := l.svc.CompleteMFA(l.ctx, c, code(), auth.ClientMeta{}); err == nil {
		t.Fatal("the pending login survived 5 wrong codes")
	}
	// A dialect login with a wrong code counts as well.
	_, _, err := l.svc.LoginTokens(l.ctx, auth.LoginInput{Identifier: "ann@example.com", Password: rightPassword, OTP: wrongCode(code()), Via: auth.ViaOpenAPI})
	if auth.ErrorCode(err) != auth.EOTP {
		t.Fatalf("LoginTokens with a wrong code: %v", err)
	}
	if n := counter(codes); n != 6 {
		t.Errorf("code counter after a wrong dialect code = %d, want 6", n)
	}
	c = challenge()
	for counter(codes) != 0 { // until the failure that starts the backoff
		_, _, _ = l.svc.CompleteMFA(l.ctx, c, wrongCode(code()), auth.ClientMeta{})
		if counter(codes) == 0 {
			break
		}
		c = challenge()
	}
	_, _, err = l.svc.LoginTokens(l.ctx, auth.LoginInput{Identifier: "ann@example.com", Password: rightPassword, OTP: code(), Via: auth.ViaOpenAPI})
	wantLocked(t, err, "right password and code during the backoff")
	c = challenge() // the password itself is still fine
	_, _, err = l.svc.CompleteMFA(l.ctx, c, code(), auth.ClientMeta{})
	wantLocked(t, err, "right code on the page during the backoff")
	// After the backoff, a complete login clears the counter.
	l.Clock.Advance(retryAfter(err) + time.Second)
	if _, _, err := l.svc.LoginTokens(l.ctx, auth.LoginInput{Identifier: "ann@example.com", Password: rightPassword, OTP: code(), Via: auth.ViaOpenAPI}); err != nil {
		t.Fatalf("after the backoff: %v", err)
	}
	if n := counter(codes); n != 0 {
		t.Errorf("code counter after a complete login = %d", n)
	}
}
