package sqlite_test

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// TestStats: the outbox backlog counts mails neither sent nor dropped and
// dates the oldest; active sessions exclude revoked and expired ones.
func TestStats(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	got, err := s.Stats(ctx, t0)
	if err != nil || got != (sqlite.Stats{}) {
		t.Fatalf("empty: %+v, %v", got, err)
	}
	a, b := statsMail("a@example.com"), statsMail("b@example.com")
	b.CreatedAt = t0.Add(time.Minute)
	c := statsMail("c@example.com")
	c.CreatedAt = t0.Add(-time.Hour) // the oldest, but sent below
	var ids []int64
	for _, m := range []auth.Mail{a, b, c} {
		mustUpdate(t, s, func(tx auth.Tx) error { return tx.EnqueueMail(ctx, m) })
		var id int64
		if err := sqlite.WriterDB(s).QueryRow(`SELECT max(id) FROM outbox`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.MarkSent(ctx, ids[2], t0); err != nil {
		t.Fatal(err)
	}
	m := newMember("ann@example.com", "ann")
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		for i, exp := range []time.Duration{time.Hour, time.Hour, -time.Minute} {
			ss := &auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(exp)}
			if err := tx.CreateSession(ctx, ss); err != nil {
				return err
			}
			if i == 1 {
				if err := tx.RevokeSession(ctx, ss.ID, t0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	got, err = s.Stats(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := sqlite.Stats{OutboxDepth: 2, OutboxOldest: t0, SessionsActive: 1}
	if got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

// TestSchemaVersion: a migrated database is at LatestMigration and passes
// CheckSchema.
func TestSchemaVersion(t *testing.T) {
	s := mustOpen(t)
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v != sqlite.LatestMigration() || v < 4 {
		t.Fatalf("SchemaVersion = %d, %v; latest %d", v, err, sqlite.LatestMigration())
	}
	if err := s.CheckSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.WriterDB(s).Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (99999, 0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(context.Background()); err == nil {
		t.Fatal("CheckSchema accepted a database from a newer build")
	}
}

func statsMail(to string) auth.Mail {
	return auth.Mail{Kind: auth.MailReset, To: to, CreatedAt: t0,
		Data: map[string]string{"name": "Ann", "link": "https://example.com/reset", "expires_minutes": "30"}}
}
