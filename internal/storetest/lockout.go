package storetest

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func testLoginFailures(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	_, err := s.LoginFailures(ctx, "m:1")
	wantCode(t, err, auth.ENOTFOUND)
	at := time.UnixMilli(1_750_000_000_123).UTC()
	f := auth.LoginFailure{Key: "m:1", Failures: 3, Locks: 1, LastFailureAt: at}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetLoginFailures(ctx, f) })
	if got, err := s.LoginFailures(ctx, "m:1"); err != nil || got != f {
		t.Fatalf("read back %+v, %v; want %+v", got, err, f)
	}
	f.Failures, f.Locks, f.LockedUntil = 0, 2, at.Add(2*time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.SetLoginFailures(ctx, f); err != nil {
			return err
		}
		got, err := tx.LoginFailures(ctx, "m:1") // visible inside the transaction
		if err == nil && got != f {
			t.Errorf("inside the transaction: %+v", got)
		}
		return err
	})
	if got, err := s.LoginFailures(ctx, "m:1"); err != nil || got != f {
		t.Fatalf("after replace %+v, %v; want %+v", got, err, f)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteLoginFailures(ctx, "m:1") })
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteLoginFailures(ctx, "m:1") }) // absent is fine
	_, err = s.LoginFailures(ctx, "m:1")
	wantCode(t, err, auth.ENOTFOUND)
}

func testCountRecentMail(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	base := time.UnixMilli(1_750_000_000_000).UTC()
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i, m := range []auth.Mail{
			{Kind: auth.MailReset, To: "a@example.com", CreatedAt: base},
			{Kind: auth.MailReset, To: "a@example.com", CreatedAt: base.Add(-2 * time.Hour)},
			{Kind: auth.MailInvite, To: "a@example.com", CreatedAt: base.Add(time.Minute)},
			{Kind: auth.MailWelcome, To: "a@example.com", CreatedAt: base},
			{Kind: auth.MailReset, To: "b@example.com", CreatedAt: base},
		} {
			m.Data = map[string]string{"n": string(rune('0' + i))}
			if err := tx.EnqueueMail(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	n, err := s.CountRecentMail(ctx, "a@example.com", []string{auth.MailReset, auth.MailInvite}, base.Add(-time.Hour))
	if err != nil || n != 2 {
		t.Errorf("count = %d, %v; want 2", n, err)
	}
	if n, err := s.CountRecentMail(ctx, "a@example.com", nil, base.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("no kinds = %d, %v", n, err)
	}
}
