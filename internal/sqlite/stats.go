package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stats is what the monitoring reads from the database at a scrape.
type Stats struct {
	OutboxDepth    int64     // mails neither sent nor dropped
	OutboxOldest   time.Time // created_at of the oldest of them; zero when none
	SessionsActive int64     // sessions neither revoked nor expired at now
}

// Stats reads the outbox backlog and the number of live sessions through
// the read pool (never the writer, so a scrape cannot wait behind writes).
// The outbox count walks the partial index outbox_due; the session count
// scans the sessions table, which is fine at scrape intervals.
func (s *Store) Stats(ctx context.Context, now time.Time) (Stats, error) {
	var st Stats
	var oldest sql.NullInt64
	if err := s.reader.QueryRowContext(ctx,
		`SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL`).
		Scan(&st.OutboxDepth, &oldest); err != nil {
		return Stats{}, fmt.Errorf("sqlite: stats: outbox: %w", err)
	}
	st.OutboxOldest = timeOrZero(oldest)
	if err := s.reader.QueryRowContext(ctx,
		`SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?`, toMillis(now)).
		Scan(&st.SessionsActive); err != nil {
		return Stats{}, fmt.Errorf("sqlite: stats: sessions: %w", err)
	}
	return st, nil
}

// SchemaVersion returns the highest migration applied to the database (0
// for a database never migrated).
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	return schemaVersion(ctx, s.reader)
}

func schemaVersion(ctx context.Context, q queryer) (int64, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v.Int64, nil
}

// LatestMigration is the highest migration version this build embeds: a
// database at a higher version was written by a newer Gatehouse.
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
		return fmt.Errorf("sqlite: schema at version %d, this build expects %d", v, want)
	}
	return nil
}
