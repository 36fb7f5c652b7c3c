package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

// RecentRequests counts the forgot-password request rows created at or
// after since, to the canonical identifier to (when not empty) and from
// the client IP ip (when not empty), and returns the oldest one's time
// (zero when there is none). Both filters may be given; neither counts
// every request.
func (r queries) RecentRequests(ctx context.Context, to, ip string, since time.Time) (int, time.Time, error) {
	query := `SELECT count(*), min(created_at) FROM outbox WHERE kind = '` + auth.MailResetRequest + `' AND created_at >= ?`
	args := []any{toMillis(since)}
	if to != "" {
		query += ` AND to_addr = ?`
		args = append(args, to)
	}
	if ip != "" {
		query += ` AND client_ip = ?`
		args = append(args, ip)
	}
	var (
		n      int
		oldest sql.NullInt64
	)
	if err := r.q.QueryRowContext(ctx, query, args...).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("postgres: count recent requests: %w", err)
	}
	return n, timeOrZero(oldest), nil
}

// FinishRequest marks a pending request row done (as sent) inside the
// transaction that resolves it; ENOTFOUND when it is done or dropped
// already, so a request is resolved at most once.
func (t *tx) FinishRequest(ctx context.Context, id int64, at time.Time) error {
	return t.execOne(ctx, "finish request", "Request", `UPDATE outbox SET sent_at = ?, claimed_until = NULL
		WHERE id = ? AND kind = '`+auth.MailResetRequest+`' AND sent_at IS NULL AND dropped_at IS NULL`, toMillis(at), id)
}

// PendingRequests counts the forgot-password request rows the worker has
// not resolved (nor dropped) yet.
func (s *Store) PendingRequests(ctx context.Context) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE kind = '`+auth.MailResetRequest+`'
		AND sent_at IS NULL AND dropped_at IS NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count pending requests: %w", err)
	}
	return n, nil
}
