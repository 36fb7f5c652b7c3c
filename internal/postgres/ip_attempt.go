package postgres

import (
	"context"
	"database/sql"
	"time"

	"gatehouse/internal/auth"
)

var _ auth.IPAttemptTx = (*tx)(nil)

// SharedAcrossNodes: every node of a cluster uses this database, so the
// service keeps its per-IP throttle here (auth.SharedStore).
func (s *Store) SharedAcrossNodes() bool { return true }

// PruneIPAttempts deletes ip's attempts made before before.
func (t *tx) PruneIPAttempts(ctx context.Context, ip string, before time.Time) error {
	return t.exec(ctx, "prune ip attempts", `DELETE FROM ip_attempts WHERE ip = ? AND at < ?`, ip, toMillis(before))
}

// IPAttempts counts ip's attempts and returns the oldest one's time.
func (t *tx) IPAttempts(ctx context.Context, ip string) (int, time.Time, error) {
	var (
		n      int
		oldest sql.NullInt64
	)
	if err := t.q.QueryRowContext(ctx, `SELECT count(*), min(at) FROM ip_attempts WHERE ip = ?`, ip).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, wrap("ip attempts", err)
	}
	return n, timeOrZero(oldest), nil
}

// AddIPAttempt records an attempt and returns its id.
func (t *tx) AddIPAttempt(ctx context.Context, ip string, at time.Time) (int64, error) {
	return t.insert(ctx, "add ip attempt", `INSERT INTO ip_attempts (ip, at) VALUES (?, ?) RETURNING id`, ip, toMillis(at))
}

// DeleteIPAttempt removes one attempt.
func (t *tx) DeleteIPAttempt(ctx context.Context, id int64) error {
	return t.exec(ctx, "delete ip attempt", `DELETE FROM ip_attempts WHERE id = ?`, id)
}
