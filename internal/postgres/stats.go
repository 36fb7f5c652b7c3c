package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stats is what the monitoring reads from the database at a scrape (the
// same figures as the SQLite store's Stats).
type Stats struct {
	OutboxDepth    int64     // mails neither sent nor dropped
	OutboxOldest   time.Time // created_at of the oldest of them; zero when none
	SessionsActive int64     // sessions neither revoked nor expired at now
}

// Stats reads the outbox backlog and the number of live sessions.
func (s *Store) Stats(ctx context.Context, now time.Time) (Stats, error) {
	var st Stats
	var oldest sql.NullInt64
	if err := s.q.QueryRowContext(ctx,
		`SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL`).
		Scan(&st.OutboxDepth, &oldest); err != nil {
		return Stats{}, fmt.Errorf("postgres: stats: outbox: %w", err)
	}
	st.OutboxOldest = timeOrZero(oldest)
	if err := s.q.QueryRowContext(ctx,
		`SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?`, toMillis(now)).
		Scan(&st.SessionsActive); err != nil {
		return Stats{}, fmt.Errorf("postgres: stats: sessions: %w", err)
	}
	return st, nil
}

// SchemaVersion returns the highest migration applied (0 when none).
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		var exists bool
		if qerr := s.q.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); qerr == nil && !exists {
			return 0, nil
		}
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return v.Int64, nil
}

// LatestMigration is the highest migration version this build embeds.
func LatestMigration() int64 {
	migs, err := loadMigrations()
	if err != nil || len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].version
}

// CheckSchema reports an error unless the database has every migration of
// this build applied and none newer (for readiness).
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if want := LatestMigration(); v != want {
		return fmt.Errorf("postgres: schema at version %d, this build expects %d", v, want)
	}
	return nil
}
