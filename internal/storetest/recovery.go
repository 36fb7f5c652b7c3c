package storetest

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func recoveryLeft(t *testing.T, s Store, memberID int64) int {
	t.Helper()
	n, err := s.RecoveryCodesLeft(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func useRecovery(s Store, memberID int64, hash string) error {
	return s.Update(context.Background(), func(tx auth.Tx) error {
		return tx.UseRecoveryCode(context.Background(), memberID, hash)
	})
}

func testRecoveryCodes(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	a := create(t, s, newMember("a@example.com", ""))
	b := create(t, s, newMember("b@example.com", ""))
	now := time.Now()
	if n := recoveryLeft(t, s, a.ID); n != 0 {
		t.Fatalf("new member has %d codes", n)
	}
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.ReplaceRecoveryCodes(ctx, a.ID, []string{"h1", "h2", "h3"}, now)
	})
	if n := recoveryLeft(t, s, a.ID); n != 3 {
		t.Fatalf("after storing three: %d", n)
	}
	// A code is used once; another member's hash, or a used one, is ENOTFOUND.
	if err := useRecovery(s, a.ID, "h2"); err != nil {
		t.Fatalf("first use: %v", err)
	}
	wantCode(t, useRecovery(s, a.ID, "h2"), auth.ENOTFOUND)
	wantCode(t, useRecovery(s, b.ID, "h1"), auth.ENOTFOUND)
	wantCode(t, useRecovery(s, a.ID, "nope"), auth.ENOTFOUND)
	if n := recoveryLeft(t, s, a.ID); n != 2 {
		t.Errorf("after one use: %d, want 2", n)
	}
	// Replacing drops the old set entirely.
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.ReplaceRecoveryCodes(ctx, a.ID, []string{"n1", "n2"}, now)
	})
	wantCode(t, useRecovery(s, a.ID, "h1"), auth.ENOTFOUND)
	if n := recoveryLeft(t, s, a.ID); n != 2 {
		t.Errorf("after replacing: %d, want 2", n)
	}
	// Inside the transaction the use is seen at once.
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.UseRecoveryCode(ctx, a.ID, "n1"); err != nil {
			return err
		}
		if n, err := tx.RecoveryCodesLeft(ctx, a.ID); err != nil || n != 1 {
			t.Errorf("inside the tx: %d, %v", n, err)
		}
		return nil
	})
	// None deletes them all; deleting the member deletes its codes.
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.ReplaceRecoveryCodes(ctx, a.ID, nil, now) })
	if n := recoveryLeft(t, s, a.ID); n != 0 {
		t.Errorf("after clearing: %d", n)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.ReplaceRecoveryCodes(ctx, b.ID, []string{"b1"}, now) })
	if _, err := rawDB(s).Exec(`DELETE FROM members WHERE id = ?`, b.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM recovery_codes WHERE member_id = ?`, b.ID); n != 0 {
		t.Errorf("codes of a deleted member: %d", n)
	}
}
