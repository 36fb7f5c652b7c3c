package storetest

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// sweep runs one janitor batch and returns how many rows it deleted.
func sweep(t *testing.T, s Store, sw auth.Sweep) int {
	t.Helper()
	var n int
	mustUpdate(t, s, func(tx auth.Tx) error {
		var err error
		n, err = tx.Sweep(context.Background(), sw)
		return err
	})
	return n
}

// TestSweepLoginFailures: a counter idle since before the cutoff goes
// unless its lock is still in force; a batch deletes at most its limit.
func testSweepLoginFailures(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.UnixMilli(1_750_000_000_000).UTC()
	old := now.Add(-13 * time.Hour)
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, f := range []auth.LoginFailure{
			{Key: "m:1", Failures: 3, LastFailureAt: old},
			{Key: "m:2", Failures: 3, LastFailureAt: old},
			{Key: "m:3", Failures: 3, LastFailureAt: old},
			{Key: "m:4", Locks: 5, LastFailureAt: old, LockedUntil: now.Add(time.Minute)}, // still locked
			{Key: "m:5", Failures: 1, LastFailureAt: now.Add(-time.Hour)},                 // recent
		} {
			if err := tx.SetLoginFailures(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	sw := auth.Sweep{Target: auth.SweepLoginFailures, Before: now.Add(-12 * time.Hour), Now: now, Limit: 2}
	if n := sweep(t, s, sw); n != 2 {
		t.Fatalf("first batch deleted %d, want its limit 2", n)
	}
	if n := sweep(t, s, sw); n != 1 {
		t.Fatalf("second batch deleted %d, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM login_failures WHERE key IN ('m:4', 'm:5')`); n != 2 || count(t, s, `SELECT count(*) FROM login_failures`) != 2 {
		t.Fatalf("left %d of the locked and the recent counter", n)
	}
}

// TestSweepSessionsCredentialsFirst: an ended session's credentials go
// before the session itself, within one batch's limit, so a delete never
// cascades beyond it; a live session and its tokens stay.
func testSweepSessionsCredentialsFirst(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.UnixMilli(1_750_000_000_000).UTC()
	var dead, live auth.Session
	mustUpdate(t, s, func(tx auth.Tx) error {
		m := auth.Member{Email: "a@example.com", Username: "a", Status: auth.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateMember(ctx, &m); err != nil {
			return err
		}
		revoked := now.Add(-48 * time.Hour)
		dead = auth.Session{MemberID: m.ID, Via: auth.ViaKuroco, CreatedAt: revoked, ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked}
		live = auth.Session{MemberID: m.ID, Via: auth.ViaKuroco, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		for _, ss := range []*auth.Session{&dead, &live} {
			if err := tx.CreateSession(ctx, ss); err != nil {
				return err
			}
			for i := range 3 {
				if err := tx.CreateCredential(ctx, auth.Credential{Hash: auth.HashToken(string(rune('a'+i)) + ss.CreatedAt.String()),
					Kind: auth.CredAccess, SessionID: ss.ID, CreatedAt: ss.CreatedAt, ExpiresAt: now.Add(time.Hour)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	sw := auth.Sweep{Target: auth.SweepSessions, Before: now.Add(-24 * time.Hour), Now: now, Limit: 2}
	if n := sweep(t, s, sw); n != 2 || count(t, s, `SELECT count(*) FROM sessions`) != 2 {
		t.Fatalf("first batch deleted %d", n)
	}
	if n := sweep(t, s, sw); n != 2 { // the last credential, then the session
		t.Fatalf("second batch deleted %d, want 2", n)
	}
	if n := sweep(t, s, sw); n != 0 {
		t.Fatalf("third batch deleted %d", n)
	}
	if count(t, s, `SELECT count(*) FROM sessions WHERE id = ?`, live.ID) != 1 || count(t, s, `SELECT count(*) FROM credentials WHERE session_id = ?`, live.ID) != 3 {
		t.Fatal("the live session or its tokens went")
	}
	if count(t, s, `SELECT count(*) FROM sessions WHERE id = ?`, dead.ID) != 0 {
		t.Fatal("the ended session stayed")
	}
}

func testSweepUnknownTarget(t *testing.T) {
	s := mustOpen(t)
	err := s.Update(context.Background(), func(tx auth.Tx) error {
		_, err := tx.Sweep(context.Background(), auth.Sweep{Target: "members", Limit: 10})
		return err
	})
	if err == nil {
		t.Fatal("an unknown target was swept")
	}
}
