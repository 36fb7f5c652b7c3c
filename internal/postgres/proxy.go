package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/auth"
)

const proxyGrantColumns = `id, target_id, actor_id, created_at, created_by`

func scanProxyGrant(row interface{ Scan(...any) error }) (auth.ProxyGrant, error) {
	var (
		g         auth.ProxyGrant
		createdAt int64
		createdBy sql.NullInt64
	)
	if err := row.Scan(&g.ID, &g.TargetID, &g.ActorID, &createdAt, &createdBy); err != nil {
		return auth.ProxyGrant{}, err
	}
	g.CreatedAt = fromMillis(createdAt)
	g.CreatedBy = createdBy.Int64
	return g, nil
}

func (r queries) proxyGrants(ctx context.Context, op, where string, arg int64) ([]auth.ProxyGrant, error) {
	return queryAll(ctx, r.q, scanProxyGrant, op, `SELECT `+proxyGrantColumns+` FROM proxy_grants
		WHERE `+where+` = ? ORDER BY id`, arg)
}

// ProxyGrantsForTarget lists, ordered by id, the grants naming who may log
// in as target.
func (r queries) ProxyGrantsForTarget(ctx context.Context, targetID int64) ([]auth.ProxyGrant, error) {
	return r.proxyGrants(ctx, "proxy grants for target", "target_id", targetID)
}

// ProxyGrantsForActor lists, ordered by id, the grants letting actor log in
// as someone.
func (r queries) ProxyGrantsForActor(ctx context.Context, actorID int64) ([]auth.ProxyGrant, error) {
	return r.proxyGrants(ctx, "proxy grants for actor", "actor_id", actorID)
}

// ProxyGrantOf returns the grant letting actor log in as target, or
// ENOTFOUND.
func (r queries) ProxyGrantOf(ctx context.Context, targetID, actorID int64) (auth.ProxyGrant, error) {
	return queryOne(ctx, r.q, scanProxyGrant, "proxy grant of", "Proxy grant", `SELECT `+proxyGrantColumns+` FROM proxy_grants
		WHERE target_id = ? AND actor_id = ?`, targetID, actorID)
}

// GrantProxy inserts g and sets g.ID (and CreatedAt when zero). A member
// granting itself is EINVALID, an existing grant ECONFLICT, an unknown
// target, actor or CreatedBy ENOTFOUND.
func (t *tx) GrantProxy(ctx context.Context, g *auth.ProxyGrant) error {
	if g.TargetID == g.ActorID {
		msg := "A member cannot be allowed to log in as themselves."
		return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"actor": msg}}
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = now()
	}
	id, err := t.guardedInsert(ctx, "grant proxy", `INSERT INTO proxy_grants (target_id, actor_id, created_at, created_by)
		VALUES (?, ?, ?, ?) RETURNING id`, g.TargetID, g.ActorID, toMillis(g.CreatedAt), nullID(g.CreatedBy))
	switch {
	case isConstraint(err, uniqueViolation):
		msg := "This member may already log in as them."
		return &auth.Error{Code: auth.ECONFLICT, Message: msg, Fields: map[string]string{"actor": msg}}
	case isConstraint(err, foreignKeyViolation):
		return notFound("Member")
	case err != nil:
		return err
	}
	g.ID = id
	return nil
}

// RevokeProxy deletes the grant letting actor log in as target (ENOTFOUND
// when there is none). Running proxy sessions are left to
// RevokeProxySessions.
func (t *tx) RevokeProxy(ctx context.Context, targetID, actorID int64) error {
	return t.execOne(ctx, "revoke proxy", "Proxy grant", `DELETE FROM proxy_grants WHERE target_id = ? AND actor_id = ?`,
		targetID, actorID)
}

// RevokeProxySessions revokes at at the live sessions (not revoked, not
// expired) of target run by actor (0: by anyone, that is every proxy
// session into target) and returns how many. The target's own sessions are
// never touched.
func (t *tx) RevokeProxySessions(ctx context.Context, targetID, actorID int64, at time.Time) (int, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?1
		WHERE member_id = ?2 AND actor_id IS NOT NULL AND (?3 = 0 OR actor_id = ?3)
		AND revoked_at IS NULL AND expires_at > ?1`, toMillis(at), targetID, actorID)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke proxy sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke proxy sessions: %w", err)
	}
	return int(n), nil
}
