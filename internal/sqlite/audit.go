package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"gatehouse/internal/auth"
)

// Audit list limits.
const (
	auditDefaultLimit = 50
	auditMaxLimit     = 500
)

// AddAudit appends e and sets e.ID (and At when zero). IDs 0 are stored as
// NULL; entries have no foreign keys, so they outlive the members they name.
func (t *tx) AddAudit(ctx context.Context, e *auth.AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	id, err := t.insert(ctx, "add audit", `INSERT INTO audit_log (at, actor_id, subject_id, action, detail,
		grant_id, ip, user_agent, door, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		toMillis(e.At), nullID(e.ActorID), nullID(e.SubjectID), e.Action, e.Detail, nullID(e.GrantID),
		e.IP, e.UserAgent, e.Door, e.Result)
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// ListAudit returns entries newest first (by id): below q.Before when set,
// naming q.MemberID as actor or subject when set, with action q.Action (or,
// when it ends in ".", any action starting with it), at or after q.From
// and before q.To when set; at most q.Limit
// (default 50, at most 500).
func (r queries) ListAudit(ctx context.Context, q auth.AuditQuery) ([]auth.AuditEntry, error) {
	query, args := auditSQL(q)
	if strings.HasSuffix(q.Action, ".") && q.MemberID == 0 {
		var err error
		if query, args, err = r.auditPrefixSQL(ctx, q); err != nil || query == "" {
			return nil, err
		}
	}
	return queryAll(ctx, r.q, scanAudit, "list audit", query, args...)
}

// auditPrefixSQL is ListAudit's statement for an action prefix without a
// member: each action under the prefix is read newest first through
// (action, id), at most one page each, and only those rows are merged.
// The one range query would sort every entry of the prefix (most of the log
// for "auth."). The actions are found by skipping through the index, one
// seek each. "" when no action has the prefix.
func (r queries) auditPrefixSQL(ctx context.Context, q auth.AuditQuery) (string, []any, error) {
	actions, err := queryAll(ctx, r.q, func(row rowScanner) (string, error) {
		var a string
		return a, row.Scan(&a)
	}, "audit actions", `WITH RECURSIVE a(x) AS (
			SELECT (SELECT MIN(action) FROM audit_log WHERE action >= ?1 AND action < ?2)
			UNION ALL
			SELECT (SELECT MIN(action) FROM audit_log WHERE action > a.x AND action < ?2) FROM a WHERE a.x IS NOT NULL)
		SELECT x FROM a WHERE x IS NOT NULL LIMIT 200`, q.Action, prefixEnd(q.Action))
	if err != nil || len(actions) == 0 {
		return "", nil, err
	}
	var (
		parts []string
		args  []any
		limit any
	)
	for _, a := range actions {
		one := q
		one.Action = a
		query, qargs := auditSQL(one)
		parts = append(parts, "SELECT * FROM ("+query+")")
		args = append(args, qargs...)
		limit = qargs[len(qargs)-1]
	}
	return strings.Join(parts, " UNION ALL ") + " ORDER BY id DESC LIMIT ?", append(args, limit), nil
}

// auditSQL is ListAudit's statement. Each filter has its index: (subject_id,
// id) and (actor_id, id) for the member, (action, id) for the action, (at)
// for the time range; the first page walks the primary key backwards
// (docs/decisions.md "Audit events and proxy safeguards").
func auditSQL(q auth.AuditQuery) (string, []any) {
	limit := q.Limit
	if limit <= 0 {
		limit = auditDefaultLimit
	}
	if limit > auditMaxLimit {
		limit = auditMaxLimit
	}
	var (
		where []string
		args  []any
	)
	if q.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, q.Before)
	}
	if !q.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, toMillis(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, toMillis(q.To))
	}
	if q.MemberID != 0 {
		where = append(where, "(actor_id = ? OR subject_id = ?)")
		args = append(args, q.MemberID, q.MemberID)
	}
	if q.Action != "" {
		if strings.HasSuffix(q.Action, ".") {
			where = append(where, "action >= ? AND action < ?")
			args = append(args, q.Action, prefixEnd(q.Action))
		} else {
			where = append(where, "action = ?")
			args = append(args, q.Action)
		}
	}
	query := `SELECT id, at, actor_id, subject_id, action, detail, grant_id, ip, user_agent, door, result FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	return query, append(args, limit)
}

// scanAudit reads id, at, actor_id, subject_id, action, detail, grant_id,
// ip, user_agent, door, result.
func scanAudit(row rowScanner) (auth.AuditEntry, error) {
	var (
		e                       auth.AuditEntry
		at                      int64
		actor, subject, grantID sql.NullInt64
	)
	if err := row.Scan(&e.ID, &at, &actor, &subject, &e.Action, &e.Detail, &grantID,
		&e.IP, &e.UserAgent, &e.Door, &e.Result); err != nil {
		return auth.AuditEntry{}, err
	}
	e.At = fromMillis(at)
	e.ActorID, e.SubjectID, e.GrantID = actor.Int64, subject.Int64, grantID.Int64
	return e, nil
}
