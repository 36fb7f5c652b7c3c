package postgres_test

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
)

// Two nodes on one database: a session node A has cached is seen revoked
// by A's very next lookup after node B's Update commits, and a change made
// by raw SQL (no epoch advance) within MaxAge.
func TestCacheSeesOtherNodesAtOnce(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	a, b := openURL(t, url), openURL(t, url)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &auth.Member{Email: "ann@example.com", Username: "ann", Status: auth.StatusActive, CreatedAt: at, UpdatedAt: at}
	sess := &auth.Session{Via: auth.ViaPage, CreatedAt: at, LastUsedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := a.Update(ctx, func(tx auth.Tx) error {
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		sess.MemberID = m.ID
		return tx.CreateSession(ctx, sess)
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := a.SessionByID(ctx, sess.ID); err != nil || got.RevokedAt != nil {
			t.Fatalf("SessionByID: %+v %v", got, err)
		}
	}
	if !postgres.CachedSession(a, sess.ID) {
		t.Fatal("the second read did not leave the session cached: the test would not test the cache")
	}
	if err := b.Update(ctx, func(tx auth.Tx) error { return tx.RevokeSession(ctx, sess.ID, at) }); err != nil {
		t.Fatal(err)
	}
	if got, err := a.SessionByID(ctx, sess.ID); err != nil || got.RevokedAt == nil {
		t.Fatalf("node A after node B revoked the session: %+v %v, want revoked", got, err)
	}
	// Raw SQL advances no epoch: bounded by MaxAge instead.
	if _, err := a.SessionByID(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.RawDB(b).Exec(`UPDATE sessions SET revoked_at = NULL WHERE id = ?`, sess.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(postgres.MaxAge + 50*time.Millisecond)
	if got, err := a.SessionByID(ctx, sess.ID); err != nil || got.RevokedAt != nil {
		t.Fatalf("after MaxAge the raw change is unseen: %+v %v", got, err)
	}
}
