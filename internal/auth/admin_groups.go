package auth

import (
	"context"
	"fmt"
	"strings"
)

// Groups returns the group tree (every group; the root has ParentID 0).
func (s *Service) Groups(ctx context.Context, a Actor) ([]Group, error) {
	if err := s.requireAdmin(a); err != nil {
		return nil, err
	}
	return s.store.ListGroups(ctx)
}

// requireRootAdmin is requireAdmin for admins of the root group only.
func (s *Service) requireRootAdmin(ctx context.Context, r Reader, a Actor) (adminReach, error) {
	if err := s.requireAdmin(a); err != nil {
		return adminReach{}, err
	}
	rc, err := s.reachOf(ctx, r, a)
	if err != nil {
		return adminReach{}, err
	}
	if !rc.root {
		return adminReach{}, errRootAdminOnly
	}
	return rc, nil
}

func cleanGroupName(raw string) (string, error) {
	name, err := cleanText("name", "Name", raw, maxNameLen, false)
	if err == nil && name == "" {
		err = FieldError("name", "Enter a group name.")
	}
	return name, err
}

// AdminCreateGroup creates a group under parent (0: the root group).
func (s *Service) AdminCreateGroup(ctx context.Context, a Actor, name string, parent int64) (Group, error) {
	name, err := cleanGroupName(name)
	if err != nil {
		if err := s.requireAdmin(a); err != nil {
			return Group{}, err
		}
		return Group{}, err
	}
	if parent == 0 {
		parent = RootGroup
	}
	g := Group{ParentID: parent, Name: name}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		rc, err := s.requireRootAdmin(ctx, tx, a)
		if err != nil {
			return err
		}
		p, ok := rc.tree[parent]
		if !ok {
			return FieldError("parent", "Unknown parent group.")
		}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditGroupCreate, 0, fmt.Sprintf("group %q (#%d) created under %q (#%d)", g.Name, g.ID, p.Name, p.ID), 0)
	})
	if err != nil {
		return Group{}, err
	}
	return g, nil
}

// AdminUpdateGroup renames and moves a group (parent 0: keep the parent).
// The root group cannot move, and a group cannot move under itself or one
// of its descendants.
func (s *Service) AdminUpdateGroup(ctx context.Context, a Actor, id int64, name string, parent int64) (Group, error) {
	name, err := cleanGroupName(name)
	if err != nil {
		if err := s.requireAdmin(a); err != nil {
			return Group{}, err
		}
		return Group{}, err
	}
	var g Group
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		rc, err := s.requireRootAdmin(ctx, tx, a)
		if err != nil {
			return err
		}
		old, ok := rc.tree[id]
		if !ok {
			return errGroupNotFound
		}
		if parent == 0 {
			parent = old.ParentID
		}
		if id == RootGroup && parent != 0 {
			return FieldError("parent", "The root group cannot move.")
		}
		if id != RootGroup {
			if _, ok := rc.tree[parent]; !ok {
				return FieldError("parent", "Unknown parent group.")
			}
			for cur, hops := parent, 0; cur != 0; cur, hops = rc.tree[cur].ParentID, hops+1 {
				if cur == id || hops > len(rc.tree) {
					return FieldError("parent", "A group cannot move under itself or one of its subgroups.")
				}
			}
		}
		g = Group{ID: id, ParentID: parent, Name: name}
		if g == old {
			return nil
		}
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return err
		}
		var changes []string
		if g.Name != old.Name {
			changes = append(changes, fmt.Sprintf("renamed %q → %q", old.Name, g.Name))
		}
		if g.ParentID != old.ParentID {
			changes = append(changes, fmt.Sprintf("moved from #%d to %q (#%d)", old.ParentID, rc.tree[g.ParentID].Name, g.ParentID))
		}
		return s.audit(ctx, tx, a, AuditGroupUpdate, 0, fmt.Sprintf("group #%d: %s", id, strings.Join(changes, "; ")), 0)
	})
	if err != nil {
		return Group{}, err
	}
	return g, nil
}

// AdminDeleteGroup deletes an empty group (no subgroups, no role holders);
// the root group stays.
func (s *Service) AdminDeleteGroup(ctx context.Context, a Actor, id int64) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		rc, err := s.requireRootAdmin(ctx, tx, a)
		if err != nil {
			return err
		}
		g, ok := rc.tree[id]
		if !ok {
			return errGroupNotFound
		}
		if id == RootGroup {
			return &Error{Code: EFORBIDDEN, Message: "The root group cannot be deleted."}
		}
		if err := tx.DeleteGroup(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditGroupDelete, 0, fmt.Sprintf("group %q (#%d) deleted", g.Name, g.ID), 0)
	})
}
