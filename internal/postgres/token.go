package postgres

import (
	"context"
	"database/sql"
	"time"

	"gatehouse/internal/auth"
)

const tokenColumns = `hash, kind, member_id, email, created_at, expires_at, used_at,
	secret2_hash, attempts`

func scanToken(row interface{ Scan(...any) error }) (auth.OneTimeToken, error) {
	var (
		t                    auth.OneTimeToken
		member, used         sql.NullInt64
		createdAt, expiresAt int64
	)
	err := row.Scan(&t.Hash, &t.Kind, &member, &t.Email, &createdAt, &expiresAt, &used,
		&t.Secret2Hash, &t.Attempts)
	if err != nil {
		return auth.OneTimeToken{}, err
	}
	t.MemberID = member.Int64
	t.CreatedAt = fromMillis(createdAt)
	t.ExpiresAt = fromMillis(expiresAt)
	t.UsedAt = timePtr(used)
	return t, nil
}

// TokenByHash returns the token, used or not, or ENOTFOUND.
func (r queries) TokenByHash(ctx context.Context, hash string) (auth.OneTimeToken, error) {
	return queryOne(ctx, r.q, scanToken, "token by hash", "Token",
		`SELECT `+tokenColumns+` FROM one_time_tokens WHERE hash = ?`, hash)
}

// ActiveToken returns the member's newest unused token of kind that expires
// after now, or ENOTFOUND.
func (r queries) ActiveToken(ctx context.Context, memberID int64, kind string, now time.Time) (auth.OneTimeToken, error) {
	return queryOne(ctx, r.q, scanToken, "active token", "Token", `SELECT `+tokenColumns+` FROM one_time_tokens
		WHERE member_id = ? AND kind = ? AND used_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC, seq DESC LIMIT 1`, memberID, kind, toMillis(now))
}

// CreateToken stores the token (its hash only). CreatedAt defaults to now.
func (t *tx) CreateToken(ctx context.Context, tok auth.OneTimeToken) error {
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = now()
	}
	return t.exec(ctx, "create token", `INSERT INTO one_time_tokens
		(hash, kind, member_id, email, created_at, expires_at, used_at, secret2_hash, attempts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tok.Hash, tok.Kind, nullID(tok.MemberID), tok.Email, toMillis(tok.CreatedAt),
		toMillis(tok.ExpiresAt), ptrMillis(tok.UsedAt), tok.Secret2Hash, tok.Attempts)
}

// UseToken marks the token used at at. The conditional UPDATE is the
// single-use guarantee: of two concurrent uses exactly one succeeds; a
// missing or already used token is ENOTFOUND.
func (t *tx) UseToken(ctx context.Context, hash string, at time.Time) error {
	return t.execOne(ctx, "use token", "Token",
		`UPDATE one_time_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, toMillis(at), hash)
}

// DeleteTokens removes the member's unused tokens of kind (for example the
// older reset links when a new one is issued); used ones stay as a record.
func (t *tx) DeleteTokens(ctx context.Context, memberID int64, kind string) error {
	return t.exec(ctx, "delete tokens",
		`DELETE FROM one_time_tokens WHERE member_id = ? AND kind = ? AND used_at IS NULL`, memberID, kind)
}

// AddTokenAttempt counts one failed attempt on the token and returns the
// new count; an unknown token is ENOTFOUND. The increment happens in SQL,
// so concurrent failures are all counted.
func (t *tx) AddTokenAttempt(ctx context.Context, hash string) (int, error) {
	return queryOne(ctx, t.q, scanInt, "add token attempt", "Token",
		`UPDATE one_time_tokens SET attempts = attempts + 1 WHERE hash = ? RETURNING attempts`, hash)
}
