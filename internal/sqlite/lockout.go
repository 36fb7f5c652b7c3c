package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatehouse/internal/auth"
)

// LoginFailures reads the failure counter under key (ENOTFOUND when there
// is none).
func (r queries) LoginFailures(ctx context.Context, key string) (auth.LoginFailure, error) {
	var (
		f      = auth.LoginFailure{Key: key}
		last   int64
		locked sql.NullInt64
	)
	err := r.q.QueryRowContext(ctx, `SELECT failures, locks, last_failure_at, locked_until
		FROM login_failures WHERE key = ?`, key).Scan(&f.Failures, &f.Locks, &last, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.LoginFailure{}, notFound("Login failure counter")
	}
	if err != nil {
		return auth.LoginFailure{}, fmt.Errorf("sqlite: login failures: %w", err)
	}
	f.LastFailureAt = fromMillis(last)
	f.LockedUntil = timeOrZero(locked)
	return f, nil
}

// SetLoginFailures stores f under f.Key, replacing any earlier row.
func (t *tx) SetLoginFailures(ctx context.Context, f auth.LoginFailure) error {
	return t.exec(ctx, "set login failures", `INSERT INTO login_failures (key, failures, locks, last_failure_at, locked_until)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locks = excluded.locks,
			last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
		f.Key, f.Failures, f.Locks, toMillis(f.LastFailureAt), nullMillis(f.LockedUntil))
}

// DeleteLoginFailures removes the counter under key (absent is fine).
func (t *tx) DeleteLoginFailures(ctx context.Context, key string) error {
	return t.exec(ctx, "delete login failures", `DELETE FROM login_failures WHERE key = ?`, key)
}

// CountRecentMail counts the outbox rows of the kinds to the address
// created at or after since (sent, pending or dropped alike).
func (r queries) CountRecentMail(ctx context.Context, to string, kinds []string, since time.Time) (int, error) {
	if len(kinds) == 0 {
		return 0, nil
	}
	args := []any{to, toMillis(since)}
	for _, k := range kinds {
		args = append(args, k)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM outbox
		WHERE to_addr = ? AND created_at >= ? AND kind IN (`+marks+`)`, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count recent mail: %w", err)
	}
	return n, nil
}
