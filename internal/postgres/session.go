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

const sessionColumns = `id, member_id, via, actor_id, ip, user_agent, created_at, last_used_at,
	expires_at, revoked_at, mfa, amr`

func scanSession(row interface{ Scan(...any) error }) (auth.Session, error) {
	var (
		amr                           string
		s                             auth.Session
		actor, revoked                sql.NullInt64
		createdAt, lastUsed, expireAt int64
	)
	err := row.Scan(&s.ID, &s.MemberID, &s.Via, &actor, &s.IP, &s.UserAgent,
		&createdAt, &lastUsed, &expireAt, &revoked, &s.MFA, &amr)
	if err != nil {
		return auth.Session{}, err
	}
	s.ActorID = actor.Int64
	if amr != "" {
		s.AMR = strings.Fields(amr)
	}
	s.CreatedAt = fromMillis(createdAt)
	s.LastUsedAt = fromMillis(lastUsed)
	s.ExpiresAt = fromMillis(expireAt)
	s.RevokedAt = timePtr(revoked)
	return s, nil
}

// SessionByID returns the session, revoked or expired alike, or ENOTFOUND.
func (r queries) SessionByID(ctx context.Context, id int64) (auth.Session, error) {
	return queryOne(ctx, r.q, scanSession, "session by id", "Session",
		`SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id)
}

// ListSessions returns the member's sessions that are not revoked and
// expire after now, newest first.
func (r queries) ListSessions(ctx context.Context, memberID int64, now time.Time) ([]auth.Session, error) {
	return queryAll(ctx, r.q, scanSession, "list sessions", `SELECT `+sessionColumns+` FROM sessions
		WHERE member_id = ? AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC, id DESC`, memberID, toMillis(now))
}

// CreateSession inserts s and sets s.ID. LastUsedAt defaults to CreatedAt.
func (t *tx) CreateSession(ctx context.Context, s *auth.Session) error {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now()
	}
	if s.LastUsedAt.IsZero() {
		s.LastUsedAt = s.CreatedAt
	}
	id, err := t.insert(ctx, "create session", `INSERT INTO sessions (member_id, via, actor_id, ip,
		user_agent, created_at, last_used_at, expires_at, revoked_at, mfa, amr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.MemberID, s.Via, nullID(s.ActorID), s.IP, s.UserAgent, toMillis(s.CreatedAt),
		toMillis(s.LastUsedAt), toMillis(s.ExpiresAt), ptrMillis(s.RevokedAt), s.MFA, strings.Join(s.AMR, " "))
	if err != nil {
		return err
	}
	s.ID = id
	return nil
}

// TouchSession records activity at at. It never moves LastUsedAt back, so
// concurrent requests finishing out of order do no harm.
func (t *tx) TouchSession(ctx context.Context, id int64, at time.Time) error {
	return t.execOne(ctx, "touch session", "Session",
		`UPDATE sessions SET last_used_at = GREATEST(last_used_at, ?) WHERE id = ?`, toMillis(at), id)
}

// RevokeSession revokes the session at at; revoking a revoked session keeps
// the first time and is not an error. A missing session is ENOTFOUND.
func (t *tx) RevokeSession(ctx context.Context, id int64, at time.Time) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, toMillis(at), id)
	if err != nil {
		return fmt.Errorf("postgres: revoke session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return wrap("revoke session", err)
	}
	var one int
	err = t.q.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Session")
	}
	return wrap("revoke session", err)
}

// RevokeMemberSessions revokes the member's live sessions (not revoked, not
// expired at at) other than exceptID and returns how many.
func (t *tx) RevokeMemberSessions(ctx context.Context, memberID, exceptID int64, at time.Time) (int, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?1
		WHERE member_id = ?2 AND id != ?3 AND revoked_at IS NULL AND expires_at > ?1`,
		toMillis(at), memberID, exceptID)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke member sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke member sessions: %w", err)
	}
	return int(n), nil
}
