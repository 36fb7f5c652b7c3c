package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gatehouse/internal/auth"
)

// GroupsOfMember returns, ordered by id, each group the member holds at
// least one role in (once, however many roles). A member without roles, or
// an unknown one, has none.
func (r queries) GroupsOfMember(ctx context.Context, memberID int64) ([]auth.Group, error) {
	return queryAll(ctx, r.q, scanGroup, "groups of member", `SELECT DISTINCT g.id, g.parent_id, g.name
		FROM member_roles mr JOIN "groups" g ON g.id = mr.group_id
		WHERE mr.member_id = ? ORDER BY g.id`, memberID)
}

// scanGroup reads id, parent_id, name.
func scanGroup(row interface{ Scan(...any) error }) (auth.Group, error) {
	var (
		g      auth.Group
		parent sql.NullInt64
	)
	if err := row.Scan(&g.ID, &parent, &g.Name); err != nil {
		return auth.Group{}, err
	}
	g.ParentID = parent.Int64
	return g, nil
}

// ListGroups returns every group ordered by id; the root's ParentID is 0.
func (r queries) ListGroups(ctx context.Context) ([]auth.Group, error) {
	return queryAll(ctx, r.q, scanGroup, "list groups", `SELECT id, parent_id, name FROM "groups" ORDER BY id`)
}

// GroupByID returns the group or ENOTFOUND.
func (r queries) GroupByID(ctx context.Context, id int64) (auth.Group, error) {
	return queryOne(ctx, r.q, scanGroup, "group by id", "Group", `SELECT id, parent_id, name FROM "groups" WHERE id = ?`, id)
}

// groupFieldError is the EINVALID error of a group form field.
func groupFieldError(field, msg string) error {
	return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// checkGroup validates a group's name and that its parent exists.
func (t *tx) checkGroup(ctx context.Context, g auth.Group) error {
	if strings.TrimSpace(g.Name) == "" {
		return groupFieldError("name", "Enter a group name.")
	}
	if g.ParentID == 0 {
		return groupFieldError("parent", "Choose a parent group.")
	}
	var one int
	err := t.q.QueryRowContext(ctx, `SELECT 1 FROM "groups" WHERE id = ?`, g.ParentID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return groupFieldError("parent", "The parent group does not exist.")
	}
	return err
}

// CreateGroup inserts g under its (existing) parent and sets g.ID. A
// missing parent (or none: there is one root) or an empty name is EINVALID.
func (t *tx) CreateGroup(ctx context.Context, g *auth.Group) error {
	if err := t.checkGroup(ctx, *g); err != nil {
		return wrap("create group", err)
	}
	id, err := t.insert(ctx, "create group", `INSERT INTO "groups" (parent_id, name) VALUES (?, ?) RETURNING id`, g.ParentID, g.Name)
	if err != nil {
		return err
	}
	g.ID = id
	return nil
}

// UpdateGroup renames and moves g. The root keeps no parent (EINVALID
// otherwise); any other group needs an existing parent that is neither the
// group itself nor one of its descendants (EINVALID). ENOTFOUND when the
// group does not exist.
func (t *tx) UpdateGroup(ctx context.Context, g auth.Group) error {
	if _, err := t.GroupByID(ctx, g.ID); err != nil {
		return err
	}
	if g.ID == auth.RootGroup {
		if g.ParentID != 0 {
			return groupFieldError("parent", "The root group cannot move.")
		}
		if strings.TrimSpace(g.Name) == "" {
			return groupFieldError("name", "Enter a group name.")
		}
	} else {
		if err := t.checkGroup(ctx, g); err != nil {
			return wrap("update group", err)
		}
		// Walking up from the new parent must not reach the group.
		var cycle int
		err := t.q.QueryRowContext(ctx, `WITH RECURSIVE up(id) AS (
				SELECT CAST(? AS BIGINT) UNION SELECT g.parent_id FROM "groups" g JOIN up ON g.id = up.id
				WHERE g.parent_id IS NOT NULL)
			SELECT count(*) FROM up WHERE id = ?`, g.ParentID, g.ID).Scan(&cycle)
		if err != nil {
			return fmt.Errorf("postgres: update group: %w", err)
		}
		if cycle > 0 {
			return groupFieldError("parent", "A group cannot move under itself or one of its subgroups.")
		}
	}
	return t.execOne(ctx, "update group", "Group", `UPDATE "groups" SET parent_id = ?, name = ? WHERE id = ?`,
		nullID(g.ParentID), g.Name, g.ID)
}

// DeleteGroup deletes a group without subgroups or role holders (ECONFLICT
// otherwise). The root can never be deleted (EFORBIDDEN); ENOTFOUND when
// absent.
func (t *tx) DeleteGroup(ctx context.Context, id int64) error {
	if id == auth.RootGroup {
		return auth.Errorf(auth.EFORBIDDEN, "The root group cannot be deleted.")
	}
	if _, err := t.GroupByID(ctx, id); err != nil {
		return err
	}
	var used bool
	err := t.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM "groups" WHERE parent_id = ?1)
		OR EXISTS (SELECT 1 FROM member_roles WHERE group_id = ?1)`, id).Scan(&used)
	if err != nil {
		return fmt.Errorf("postgres: delete group: %w", err)
	}
	if used {
		return auth.Errorf(auth.ECONFLICT, "This group still has subgroups or members.")
	}
	return t.execOne(ctx, "delete group", "Group", `DELETE FROM "groups" WHERE id = ?`, id)
}
