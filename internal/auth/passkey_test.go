package auth_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// TestPasskeyCounterRules: a signature counter that does not move forward
// (unless both sides are zero) is refused as a counter regression; a
// changed backup-eligible flag or another credential is refused.
func TestPasskeyCounterRules(t *testing.T) {
	stored := auth.Passkey{CredentialID: []byte{1, 2, 3}, SignCount: 5, BackupEligible: true}
	cases := []struct {
		name          string
		stored        uint32
		got           uint32
		be            bool
		id            []byte
		counter, pass bool
	}{
		{"forward", 5, 6, true, nil, false, true},
		{"backwards", 5, 3, true, nil, true, false},
		{"same non-zero", 5, 5, true, nil, true, false},
		{"back to zero", 5, 0, true, nil, true, false},
		{"both zero", 0, 0, true, nil, false, true},
		{"from zero", 0, 1, true, nil, false, true},
		{"backup eligibility changed", 5, 6, false, nil, false, false},
		{"another credential", 5, 6, true, []byte{9}, false, false},
	}
	for _, c := range cases {
		st := stored
		st.SignCount = c.stored
		cred := auth.PasskeyCredential(st)
		cred.Authenticator.UpdateCounter(c.got)
		cred.Flags.BackupEligible = c.be
		if c.id != nil {
			cred.ID = c.id
		}
		counter, pass := auth.CheckPasskeyUse(st, &cred)
		if counter != c.counter || pass != c.pass {
			t.Errorf("%s: counter regression %v, accepted %v; want %v, %v", c.name, counter, pass, c.counter, c.pass)
		}
	}
	if _, pass := auth.CheckPasskeyUse(stored, nil); pass {
		t.Error("no credential accepted")
	}
}

func TestPasskeyName(t *testing.T) {
	if n, err := auth.PasskeyName("  Laptop  "); err != nil || n != "Laptop" {
		t.Errorf("PasskeyName = %q, %v", n, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 65), "a\nb", "\xff"} {
		if _, err := auth.PasskeyName(bad); auth.ErrorCode(err) != auth.EINVALID || auth.ErrorFields(err)["name"] == "" {
			t.Errorf("PasskeyName(%q) = %v, want a field error", bad, err)
		}
	}
}

// TestPasskeyRegistrationRules: adding a passkey needs a recent session,
// past the second factor for a member with TOTP; the options ask for a
// discoverable credential with user verification for the base URL's host,
// under an opaque user handle; the ceremony state expires and is bound to
// its kind and session.
func TestPasskeyRegistrationRules(t *testing.T) {
	f := newFixture(t)
	m := f.member(t, "ann@example.com")
	sid := f.session(t, m)
	options, state, err := f.svc.BeginPasskeyRegistration(f.ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			RP                     struct{ ID string }
			User                   struct{ ID, Name string }
			AuthenticatorSelection struct {
				ResidentKey      string `json:"residentKey"`
				UserVerification string `json:"userVerification"`
			} `json:"authenticatorSelection"`
			Challenge string
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatalf("options %s: %v", options, err)
	}
	pk := o.PublicKey
	if !strings.HasPrefix(f.e.BaseURL, "https://"+pk.RP.ID) || pk.RP.ID == "" || pk.AuthenticatorSelection.ResidentKey != "required" ||
		pk.AuthenticatorSelection.UserVerification != "required" || len(pk.Challenge) < 40 || len(pk.User.ID) < 40 ||
		strings.Contains(pk.User.ID, "ann") || pk.User.Name != m.Email {
		t.Errorf("creation options %s", options)
	}

	// The state of another session, of another kind, or expired is refused.
	other := f.session(t, m)
	_, err = f.svc.FinishPasskeyRegistration(f.ctx, other, state, "Laptop", []byte(`{}`), auth.ClientMeta{})
	wantPasskeyCode(t, "state of another session", err, auth.EUNAUTHORIZED)
	_, loginState, err := f.svc.BeginPasskeyLogin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.FinishPasskeyRegistration(f.ctx, sid, loginState, "Laptop", []byte(`{}`), auth.ClientMeta{})
	wantPasskeyCode(t, "login state", err, auth.EUNAUTHORIZED)
	_, err = f.svc.FinishPasskeyRegistration(f.ctx, sid, state, "Laptop", []byte(`{"id":"x"}`), auth.ClientMeta{})
	wantPasskeyCode(t, "malformed credential", err, auth.EUNAUTHORIZED)
	_, err = f.svc.FinishPasskeyRegistration(f.ctx, sid, state, "", []byte(`{}`), auth.ClientMeta{})
	wantPasskeyCode(t, "no name", err, auth.EINVALID)
	f.clock.Advance(6 * time.Minute)
	_, err = f.svc.FinishPasskeyRegistration(f.ctx, sid, state, "Laptop", []byte(`{}`), auth.ClientMeta{})
	wantPasskeyCode(t, "expired state", err, auth.EUNAUTHORIZED)

	// Ten minutes after the sign-in, the member must sign in again.
	f.clock.Advance(5 * time.Minute)
	_, _, err = f.svc.BeginPasskeyRegistration(f.ctx, sid)
	wantPasskeyCode(t, "old session", err, auth.EFORBIDDEN)
	_, _, err = f.svc.BeginPasskeyRegistration(f.ctx, 0)
	wantPasskeyCode(t, "no session", err, auth.EUNAUTHORIZED)

	// A member with TOTP on needs a session that passed it.
	mm, _ := f.mfaMember(t, "mfa@example.com")
	_, _, err = f.svc.BeginPasskeyRegistration(f.ctx, f.mfaLessSession(t, mm))
	wantPasskeyCode(t, "TOTP member without the code", err, auth.EOTP)
	if list, _ := f.svc.Passkeys(f.ctx, m.ID); len(list) != 0 {
		t.Errorf("passkeys stored: %+v", list)
	}
}

// TestPasskeyLoginThrottle: the sign-in options name no credential and
// require user verification; refused assertions count on the gate's per-IP
// throttle like any other secret.
func TestPasskeyLoginThrottle(t *testing.T) {
	f := newFixture(t)
	svc, err := auth.NewService(f.e.Store, auth.NewArgon2(testenv.FastArgon2),
		auth.Config{BaseURL: f.e.BaseURL, FailureFloor: time.Millisecond, IPFailureLimit: 2}, auth.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	meta := auth.ClientMeta{IP: "192.0.2.7"}
	for i := range 3 {
		options, state, err := svc.BeginPasskeyLogin(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(options); strings.Contains(s, "allowCredentials") || !strings.Contains(s, `"userVerification":"required"`) {
			t.Fatalf("request options %s", s)
		}
		_, _, err = svc.FinishPasskeyLogin(f.ctx, state, []byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key"}`), meta)
		want := auth.EUNAUTHORIZED
		if i == 2 {
			want = auth.ERATELIMIT
		}
		wantPasskeyCode(t, "refused assertion", err, want)
	}
	// Another address is not throttled.
	_, state, _ := svc.BeginPasskeyLogin(f.ctx)
	_, _, err = svc.FinishPasskeyLogin(f.ctx, state, []byte(`{}`), auth.ClientMeta{IP: "192.0.2.8"})
	wantPasskeyCode(t, "other address", err, auth.EUNAUTHORIZED)
	// A used-up or foreign state never reaches the verification.
	_, _, err = svc.FinishPasskeyLogin(f.ctx, "", []byte(`{}`), auth.ClientMeta{IP: "192.0.2.9"})
	wantPasskeyCode(t, "no state", err, auth.EUNAUTHORIZED)
}

func wantPasskeyCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if auth.ErrorCode(err) != code {
		t.Errorf("%s: %v, want code %s", what, err, code)
	}
}

// mfaLessSession opens a session of m that did not pass the second factor,
// directly in the store.
func (f *fixture) mfaLessSession(t *testing.T, m auth.Member) int64 {
	t.Helper()
	now := f.clock.Now()
	s := auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := f.e.Store.Update(f.ctx, func(tx auth.Tx) error { return tx.CreateSession(f.ctx, &s) }); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// TestPasskeySecondFactor: after the password of a member with TOTP, the
// passkey options allow only that member's passkeys; a member without one
// is told so; refused passkeys count like wrong codes and the fifth ends
// the pending sign-in.
func TestPasskeySecondFactor(t *testing.T) {
	f := newFixture(t)
	m, _ := f.mfaMember(t, "mfa@example.com")
	other := f.member(t, "other@example.com")
	challenge := func() string {
		_, _, err := f.svc.Login(f.ctx, auth.LoginInput{Identifier: m.Email, Password: "correct horse battery", Via: auth.ViaPage})
		if auth.ErrorCode(err) != auth.EOTP || auth.AsError(err).Challenge == "" {
			t.Fatalf("login: %v", err)
		}
		return auth.AsError(err).Challenge
	}
	ch := challenge()
	_, _, err := f.svc.BeginPasskeySecondFactor(f.ctx, ch, auth.ClientMeta{})
	wantPasskeyCode(t, "no passkey", err, auth.ENOTFOUND)

	for _, p := range []auth.Passkey{
		{MemberID: m.ID, CredentialID: []byte("mine-credential"), UserHandle: []byte("h-mine"), PublicKey: []byte{1}, CreatedAt: f.clock.Now()},
		{MemberID: other.ID, CredentialID: []byte("their-credential"), UserHandle: []byte("h-theirs"), PublicKey: []byte{1}, CreatedAt: f.clock.Now()},
	} {
		if err := f.e.Store.Update(f.ctx, func(tx auth.Tx) error { return tx.CreatePasskey(f.ctx, &p) }); err != nil {
			t.Fatal(err)
		}
	}
	options, state, err := f.svc.BeginPasskeySecondFactor(f.ctx, ch, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	// base64url of "mine-credential" and "their-credential".
	if s := string(options); !strings.Contains(s, `"allowCredentials":[{"type":"public-key","id":"bWluZS1jcmVkZW50aWFs"}]`) ||
		strings.Contains(s, "dGhlaXItY3JlZGVudGlhbA") {
		t.Errorf("second-factor options %s", s)
	}
	_, _, err = f.svc.BeginPasskeySecondFactor(f.ctx, "not-a-challenge", auth.ClientMeta{})
	wantPasskeyCode(t, "unknown challenge", err, auth.EUNAUTHORIZED)

	for i := range 5 {
		_, _, err = f.svc.CompleteMFAWithPasskey(f.ctx, ch, state, []byte(`{"id":"x"}`), auth.ClientMeta{})
		wantPasskeyCode(t, "refused passkey "+string(rune('1'+i)), err, auth.EUNAUTHORIZED)
	}
	// The pending sign-in is gone: even the code step is refused now.
	_, _, err = f.svc.CompleteMFA(f.ctx, ch, "000000", auth.ClientMeta{})
	if auth.ErrorCode(err) != auth.EUNAUTHORIZED || !strings.Contains(auth.ErrorMessage(err), "expired") {
		t.Errorf("pending sign-in after five refused passkeys: %v", err)
	}
	// A sign-in ceremony's state is not a second-factor one.
	ch = challenge()
	_, loginState, _ := f.svc.BeginPasskeyLogin(f.ctx)
	_, _, err = f.svc.CompleteMFAWithPasskey(f.ctx, ch, loginState, []byte(`{}`), auth.ClientMeta{})
	wantPasskeyCode(t, "login state", err, auth.EUNAUTHORIZED)
}

// TestPasskeysNeedADomain: with an IP address (or no host) in the base URL
// there is no valid relying-party id; the ceremonies say so instead of
// failing internally.
func TestPasskeysNeedADomain(t *testing.T) {
	f := newFixture(t)
	for _, base := range []string{"http://127.0.0.1:8080", "http://[::1]:8080", ""} {
		svc, err := auth.NewService(f.e.Store, auth.NewArgon2(testenv.FastArgon2), auth.Config{BaseURL: base}, auth.Options{Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.BeginPasskeyLogin(f.ctx)
		if auth.ErrorCode(err) != auth.EFORBIDDEN || !strings.Contains(auth.ErrorMessage(err), "domain name") {
			t.Errorf("base URL %q: %v", base, err)
		}
	}
}
