package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

// successorField names the sealed credentials.successor column in its
// additional data; the row identity bound with it is the credential hash.
const successorField = "credentials.successor"

const credentialColumns = `hash, kind, session_id, via, parent_hash, created_at, expires_at,
	used_at, rotated_at, revoked_at, successor, mints`

// CredentialByHash returns the credential (used, rotated, revoked or expired
// alike) with its successor opened, or ENOTFOUND.
func (r queries) CredentialByHash(ctx context.Context, hash string) (auth.Credential, error) {
	var (
		c                      auth.Credential
		session                sql.NullInt64
		createdAt, expiresAt   int64
		used, rotated, revoked sql.NullInt64
		successor              []byte
	)
	query := `SELECT ` + credentialColumns + ` FROM credentials WHERE hash = ?`
	if r.lockCredentials {
		query += ` FOR UPDATE`
	}
	err := r.q.QueryRowContext(ctx, query, hash).
		Scan(&c.Hash, &c.Kind, &session, &c.Via, &c.ParentHash, &createdAt, &expiresAt,
			&used, &rotated, &revoked, &successor, &c.Mints)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Credential{}, notFound("Credential")
	}
	if err != nil {
		return auth.Credential{}, fmt.Errorf("postgres: credential by hash: %w", err)
	}
	plain, err := openField(r.key, successorField, c.Hash, successor)
	if err != nil {
		return auth.Credential{}, fmt.Errorf("postgres: credential by hash: %w", err)
	}
	c.Successor = string(plain)
	c.SessionID = session.Int64
	c.CreatedAt = fromMillis(createdAt)
	c.ExpiresAt = fromMillis(expiresAt)
	c.UsedAt = timePtr(used)
	c.RotatedAt = timePtr(rotated)
	c.RevokedAt = timePtr(revoked)
	return c, nil
}

// CreateCredential stores the credential (its hash only; the successor
// sealed). CreatedAt defaults to now; SessionID 0 is NULL (anonymous).
func (t *tx) CreateCredential(ctx context.Context, c auth.Credential) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now()
	}
	successor, err := sealField(t.key, successorField, c.Hash, []byte(c.Successor))
	if err != nil {
		return fmt.Errorf("postgres: create credential: seal: %w", err)
	}
	return t.exec(ctx, "create credential", `INSERT INTO credentials (`+credentialColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Hash, c.Kind, nullID(c.SessionID), c.Via, c.ParentHash, toMillis(c.CreatedAt),
		toMillis(c.ExpiresAt), ptrMillis(c.UsedAt), ptrMillis(c.RotatedAt), ptrMillis(c.RevokedAt),
		successor, c.Mints)
}

// UseCredential marks a single-use credential used at at. As with
// UseToken, the conditional UPDATE makes exactly one of two concurrent
// exchanges win; a missing or already used credential is ENOTFOUND.
func (t *tx) UseCredential(ctx context.Context, hash string, at time.Time) error {
	return t.execOne(ctx, "use credential", "Credential",
		`UPDATE credentials SET used_at = ? WHERE hash = ? AND used_at IS NULL`, toMillis(at), hash)
}

// RotateCredential records that the refresh token hash was replaced at at
// by successor (sealed, bound to hash). Only the first rotation succeeds;
// a credential rotated already, or unknown, is ENOTFOUND.
func (t *tx) RotateCredential(ctx context.Context, hash string, at time.Time, successor string) error {
	sealed, err := sealField(t.key, successorField, hash, []byte(successor))
	if err != nil {
		return fmt.Errorf("postgres: rotate credential: seal: %w", err)
	}
	return t.execOne(ctx, "rotate credential", "Credential",
		`UPDATE credentials SET rotated_at = ?, successor = ? WHERE hash = ? AND rotated_at IS NULL`,
		toMillis(at), sealed, hash)
}

// AddMint counts one access token minted from the refresh token and returns
// the new count; an unknown credential is ENOTFOUND.
func (t *tx) AddMint(ctx context.Context, hash string) (int, error) {
	return queryOne(ctx, t.q, scanInt, "add mint", "Credential",
		`UPDATE credentials SET mints = mints + 1 WHERE hash = ? RETURNING mints`, hash)
}

// RevokeCredential records the revocation at at; a credential revoked
// already keeps its first revocation time (no error). An unknown credential
// is ENOTFOUND.
func (t *tx) RevokeCredential(ctx context.Context, hash string, at time.Time) error {
	return t.execOne(ctx, "revoke credential", "Credential",
		`UPDATE credentials SET revoked_at = coalesce(revoked_at, ?) WHERE hash = ?`, toMillis(at), hash)
}
