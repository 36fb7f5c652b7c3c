package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

const requestColumns = `id, client_id, request, session_id, auth_time, code_hash, created_at, expires_at, used_at`

func scanRequest(row rowScanner) (auth.OIDCRequest, error) {
	var (
		r                    auth.OIDCRequest
		session              sql.NullInt64
		authTime, used       sql.NullInt64
		code                 sql.NullString
		createdAt, expiresAt int64
	)
	if err := row.Scan(&r.ID, &r.ClientID, &r.Request, &session, &authTime, &code, &createdAt, &expiresAt, &used); err != nil {
		return auth.OIDCRequest{}, err
	}
	r.SessionID = session.Int64
	r.CodeHash = code.String
	r.CreatedAt, r.ExpiresAt = fromMillis(createdAt), fromMillis(expiresAt)
	if authTime.Valid {
		t := fromMillis(authTime.Int64)
		r.AuthTime = &t
	}
	if used.Valid {
		t := fromMillis(used.Int64)
		r.UsedAt = &t
	}
	return r, nil
}

// OIDCRequestByID finds an authorization request (ENOTFOUND when none).
func (r queries) OIDCRequestByID(ctx context.Context, id string) (auth.OIDCRequest, error) {
	return queryOne(ctx, r.q, scanRequest, "oidc request", "Request", `SELECT `+requestColumns+` FROM oidc_requests WHERE id = ?`, id)
}

// OIDCRequestByCode finds the request whose code has the hash (ENOTFOUND).
func (r queries) OIDCRequestByCode(ctx context.Context, codeHash string) (auth.OIDCRequest, error) {
	return queryOne(ctx, r.q, scanRequest, "oidc request by code", "Request", `SELECT `+requestColumns+` FROM oidc_requests WHERE code_hash = ?`, codeHash)
}

// CreateOIDCRequest stores a new authorization request; an unknown client
// is ENOTFOUND.
func (t *tx) CreateOIDCRequest(ctx context.Context, r auth.OIDCRequest) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO oidc_requests (id, client_id, request, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, r.Request, toMillis(r.CreatedAt), toMillis(r.ExpiresAt))
	if isConstraint(err, foreignKeyViolation) {
		return notFound("Client")
	}
	if err != nil {
		return fmt.Errorf("postgres: create oidc request: %w", err)
	}
	return nil
}

// SignInOIDCRequest records the session that completed the request's
// sign-in (ENOTFOUND when the request is gone or used).
func (t *tx) SignInOIDCRequest(ctx context.Context, id string, sessionID int64, authTime time.Time) error {
	return t.execOne(ctx, "sign in oidc request", "Request", `UPDATE oidc_requests SET session_id = ?, auth_time = ?
		WHERE id = ? AND used_at IS NULL AND code_hash IS NULL`, sessionID, toMillis(authTime), id)
}

// SetOIDCCode stores the hash of the request's code, once (ENOTFOUND when
// the request is gone, used, not signed in or has a code already).
func (t *tx) SetOIDCCode(ctx context.Context, id, codeHash string) error {
	return t.execOne(ctx, "set oidc code", "Request", `UPDATE oidc_requests SET code_hash = ?
		WHERE id = ? AND used_at IS NULL AND code_hash IS NULL AND session_id IS NOT NULL`, codeHash, id)
}

// UseOIDCRequest marks the request used (ENOTFOUND when it was already).
func (t *tx) UseOIDCRequest(ctx context.Context, id string, at time.Time) error {
	return t.execOne(ctx, "use oidc request", "Request", `UPDATE oidc_requests SET used_at = ? WHERE id = ? AND used_at IS NULL`, toMillis(at), id)
}
