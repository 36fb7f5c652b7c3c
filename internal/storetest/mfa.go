package storetest

import (
	"bytes"
	"context"
	"testing"

	"gatehouse/internal/auth"
)

const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func setMFA(t *testing.T, s Store, memberID int64, secret string, enabled bool) {
	t.Helper()
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetMFA(context.Background(), memberID, secret, enabled) })
}

func advance(s Store, memberID, step int64) error {
	return s.Update(context.Background(), func(tx auth.Tx) error {
		return tx.AdvanceMFAStep(context.Background(), memberID, step)
	})
}

func testSetMFA(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	if got, _ := s.MemberByID(ctx, m.ID); got.MFAEnabled || got.MFASecret != "" || got.MFALastStep != 0 {
		t.Errorf("new member MFA = %v %q %d", got.MFAEnabled, got.MFASecret, got.MFALastStep)
	}
	// A pending secret (not yet enabled), then enabled.
	setMFA(t, s, m.ID, totpSecret, false)
	if got, _ := s.MemberByID(ctx, m.ID); got.MFAEnabled || got.MFASecret != totpSecret {
		t.Errorf("pending MFA = %v %q", got.MFAEnabled, got.MFASecret)
	}
	setMFA(t, s, m.ID, totpSecret, true)
	if err := advance(s, m.ID, 100); err != nil {
		t.Fatal(err)
	}
	// Every member read loads the MFA fields.
	byLogin, _ := s.MemberByLogin(ctx, "a@example.com")
	list, _ := s.ListMembers(ctx, auth.MemberQuery{})
	for name, got := range map[string]auth.Member{"MemberByLogin": byLogin, "ListMembers": list[0]} {
		if !got.MFAEnabled || got.MFASecret != totpSecret || got.MFALastStep != 100 {
			t.Errorf("%s MFA = %v %q %d", name, got.MFAEnabled, got.MFASecret, got.MFALastStep)
		}
	}
	// The same secret again keeps the replay guard.
	setMFA(t, s, m.ID, totpSecret, true)
	if got, _ := s.MemberByID(ctx, m.ID); got.MFALastStep != 100 {
		t.Errorf("MFALastStep after re-setting the same secret = %d, want 100", got.MFALastStep)
	}
	// A new secret restarts it.
	setMFA(t, s, m.ID, "NEWSECRETNEWSECRET", true)
	if got, _ := s.MemberByID(ctx, m.ID); got.MFALastStep != 0 || got.MFASecret != "NEWSECRETNEWSECRET" {
		t.Errorf("after a new secret = %q %d", got.MFASecret, got.MFALastStep)
	}
	// Turning MFA off stores NULL.
	setMFA(t, s, m.ID, "", false)
	if got, _ := s.MemberByID(ctx, m.ID); got.MFAEnabled || got.MFASecret != "" || got.MFALastStep != 0 {
		t.Errorf("after disabling = %v %q %d", got.MFAEnabled, got.MFASecret, got.MFALastStep)
	}
	if n := count(t, s, `SELECT count(*) FROM members WHERE id = ? AND mfa_secret IS NULL AND NOT mfa_enabled`, m.ID); n != 1 {
		t.Error("disabled MFA not stored as NULL secret, enabled 0")
	}
	// Enabled without a secret would lock the member out; unknown member.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetMFA(ctx, m.ID, "", true) }), auth.EINVALID)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetMFA(ctx, 999, totpSecret, true) }), auth.ENOTFOUND)
}

func testMFASecretIsSealed(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	a := create(t, s, newMember("a@example.com", ""))
	b := create(t, s, newMember("b@example.com", ""))
	setMFA(t, s, a.ID, totpSecret, true)
	var raw []byte
	if err := rawDB(s).QueryRow(`SELECT mfa_secret FROM members WHERE id = ?`, a.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte(totpSecret)) || bytes.Contains(raw, []byte("JBSWY3DP")) {
		t.Errorf("mfa_secret column = %q, want sealed bytes without the plaintext", raw)
	}
	if got, err := s.MemberByID(ctx, a.ID); err != nil || got.MFASecret != totpSecret {
		t.Errorf("MFASecret = %q, %v", got.MFASecret, err)
	}
	// Bound to the member: copied to another member it does not open.
	if _, err := rawDB(s).Exec(`UPDATE members SET mfa_secret = ? WHERE id = ?`, raw, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MemberByID(ctx, b.ID); err == nil {
		t.Error("a secret moved to another member opened")
	}
}

func testCreateMemberWithMFA(t *testing.T) {
	s := mustOpen(t)
	m := newMember("a@example.com", "")
	m.MFAEnabled, m.MFASecret, m.MFALastStep = true, totpSecret, 7
	create(t, s, m)
	got, err := s.MemberByID(context.Background(), m.ID)
	if err != nil || !got.MFAEnabled || got.MFASecret != totpSecret || got.MFALastStep != 7 {
		t.Errorf("MemberByID MFA = %v %q %d, %v", got.MFAEnabled, got.MFASecret, got.MFALastStep, err)
	}
}

func testUpdateMemberLeavesMFA(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	setMFA(t, s, m.ID, totpSecret, true)
	if err := advance(s, m.ID, 42); err != nil {
		t.Fatal(err)
	}
	// A profile edit from a copy with zero MFA fields changes none of them.
	mustUpdate(t, s, func(tx auth.Tx) error {
		u := *m
		u.Name = "Renamed"
		return tx.UpdateMember(ctx, u)
	})
	got, _ := s.MemberByID(ctx, m.ID)
	if got.Name != "Renamed" || !got.MFAEnabled || got.MFASecret != totpSecret || got.MFALastStep != 42 {
		t.Errorf("after UpdateMember = %q %v %q %d", got.Name, got.MFAEnabled, got.MFASecret, got.MFALastStep)
	}
}

func testAdvanceMFAStep(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	setMFA(t, s, m.ID, totpSecret, true)
	if err := advance(s, m.ID, 1000); err != nil {
		t.Fatalf("first step: %v", err)
	}
	// Replaying the same step, or an older one, is refused.
	wantCode(t, advance(s, m.ID, 1000), auth.ENOTFOUND)
	wantCode(t, advance(s, m.ID, 999), auth.ENOTFOUND)
	if err := advance(s, m.ID, 1001); err != nil {
		t.Errorf("next step: %v", err)
	}
	if got, _ := s.MemberByID(ctx, m.ID); got.MFALastStep != 1001 {
		t.Errorf("MFALastStep = %d, want 1001", got.MFALastStep)
	}
	wantCode(t, advance(s, 999, 5000), auth.ENOTFOUND)
}
