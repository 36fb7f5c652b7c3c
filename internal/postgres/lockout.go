package postgres

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
		f                 = auth.LoginFailure{Key: key}
		last              int64
		member            sql.NullInt64
		locked, pendingAt sql.NullInt64
	)
	err := r.q.QueryRowContext(ctx, `SELECT member_id, failures, locks, last_failure_at, locked_until,
		pending, pending_at FROM login_failures WHERE key = ?`, key).
		Scan(&member, &f.Failures, &f.Locks, &last, &locked, &f.Pending, &pendingAt)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.LoginFailure{}, notFound("Login failure counter")
	}
	if err != nil {
		return auth.LoginFailure{}, fmt.Errorf("postgres: login failures: %w", err)
	}
	f.MemberID = member.Int64
	f.LastFailureAt = fromMillis(last)
	f.LockedUntil = timeOrZero(locked)
	f.PendingAt = timeOrZero(pendingAt)
	return f, nil
}

// SetLoginFailures stores f under f.Key, replacing any earlier row.
func (t *tx) SetLoginFailures(ctx context.Context, f auth.LoginFailure) error {
	return t.exec(ctx, "set login failures", `INSERT INTO login_failures (key, member_id, failures, locks,
			last_failure_at, locked_until, pending, pending_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET member_id = excluded.member_id, failures = excluded.failures,
			locks = excluded.locks, last_failure_at = excluded.last_failure_at,
			locked_until = excluded.locked_until, pending = excluded.pending, pending_at = excluded.pending_at`,
		f.Key, nullID(f.MemberID), f.Failures, f.Locks, toMillis(f.LastFailureAt), nullMillis(f.LockedUntil),
		f.Pending, nullMillis(f.PendingAt))
}

// DeleteLoginFailures removes the counter under key (absent is fine).
func (t *tx) DeleteLoginFailures(ctx context.Context, key string) error {
	return t.exec(ctx, "delete login failures", `DELETE FROM login_failures WHERE key = ?`, key)
}

// DeleteMemberFailures removes every counter of the member (a completed
// reset starts them over).
func (t *tx) DeleteMemberFailures(ctx context.Context, memberID int64) error {
	return t.exec(ctx, "delete member failures", `DELETE FROM login_failures WHERE member_id = ?`, memberID)
}

// KnownClient reports when the client last completed a sign-in of the
// member (ENOTFOUND: never).
func (r queries) KnownClient(ctx context.Context, memberID int64, client string) (time.Time, error) {
	var at int64
	err := r.q.QueryRowContext(ctx, `SELECT last_seen_at FROM known_clients WHERE member_id = ? AND client = ?`,
		memberID, client).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, notFound("Known client")
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: known client: %w", err)
	}
	return fromMillis(at), nil
}

// RememberClient records that the client completed a sign-in of the member
// at at.
func (t *tx) RememberClient(ctx context.Context, memberID int64, client string, at time.Time) error {
	return t.exec(ctx, "remember client", `INSERT INTO known_clients (member_id, client, last_seen_at)
		VALUES (?, ?, ?) ON CONFLICT (member_id, client) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
		memberID, client, toMillis(at))
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
		return 0, fmt.Errorf("postgres: count recent mail: %w", err)
	}
	return n, nil
}
