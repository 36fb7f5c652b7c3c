package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"gatehouse/internal/auth"
)

// GroupsOfMember returns, ordered by id, each group the member holds at
// least one role in (once, however many roles). A member without roles, or
// an unknown one, has none.
func (r queries) GroupsOfMember(ctx context.Context, memberID int64) ([]auth.Group, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT DISTINCT g.id, g.parent_id, g.name
		FROM member_roles mr JOIN "groups" g ON g.id = mr.group_id
		WHERE mr.member_id = ? ORDER BY g.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: groups of member: %w", err)
	}
	defer rows.Close()
	var out []auth.Group
	for rows.Next() {
		var (
			g      auth.Group
			parent sql.NullInt64
		)
		if err := rows.Scan(&g.ID, &parent, &g.Name); err != nil {
			return nil, fmt.Errorf("sqlite: groups of member: %w", err)
		}
		g.ParentID = parent.Int64
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: groups of member: %w", err)
	}
	return out, nil
}
