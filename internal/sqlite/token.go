package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

// TokenByHash returns the token, used or not, or ENOTFOUND.
func (r queries) TokenByHash(ctx context.Context, hash string) (auth.OneTimeToken, error) {
	var (
		t                    auth.OneTimeToken
		member, used         sql.NullInt64
		createdAt, expiresAt int64
	)
	err := r.q.QueryRowContext(ctx, `SELECT hash, kind, member_id, email, created_at, expires_at, used_at
		FROM one_time_tokens WHERE hash = ?`, hash).
		Scan(&t.Hash, &t.Kind, &member, &t.Email, &createdAt, &expiresAt, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.OneTimeToken{}, notFound("Token")
	}
	if err != nil {
		return auth.OneTimeToken{}, fmt.Errorf("sqlite: token by hash: %w", err)
	}
	t.MemberID = member.Int64
	t.CreatedAt = fromMillis(createdAt)
	t.ExpiresAt = fromMillis(expiresAt)
	t.UsedAt = timePtr(used)
	return t, nil
}

// CreateToken stores the token (its hash only). CreatedAt defaults to now.
func (t *tx) CreateToken(ctx context.Context, tok auth.OneTimeToken) error {
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = now()
	}
	_, err := t.q.ExecContext(ctx, `INSERT INTO one_time_tokens
		(hash, kind, member_id, email, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tok.Hash, tok.Kind, nullID(tok.MemberID), tok.Email, toMillis(tok.CreatedAt),
		toMillis(tok.ExpiresAt), ptrMillis(tok.UsedAt))
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

// UseToken marks the token used at at. The conditional UPDATE is the
// single-use guarantee: of two concurrent uses exactly one succeeds; a
// missing or already used token is ENOTFOUND.
func (t *tx) UseToken(ctx context.Context, hash string, at time.Time) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE one_time_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, toMillis(at), hash)
	if err != nil {
		return fmt.Errorf("sqlite: use token: %w", err)
	}
	return wrap("use token", rowsAffected(res, "Token"))
}

// DeleteTokens removes the member's unused tokens of kind (for example the
// older reset links when a new one is issued); used ones stay as a record.
func (t *tx) DeleteTokens(ctx context.Context, memberID int64, kind string) error {
	_, err := t.q.ExecContext(ctx,
		`DELETE FROM one_time_tokens WHERE member_id = ? AND kind = ? AND used_at IS NULL`, memberID, kind)
	if err != nil {
		return fmt.Errorf("sqlite: delete tokens: %w", err)
	}
	return nil
}
