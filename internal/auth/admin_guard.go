package auth

import (
	"context"
	"time"
)

// ReauthWindow is how recent a sign-in must be for an admin to change their
// own roles or proxy rights (docs/security.md A4).
const ReauthWindow = 15 * time.Minute

var (
	errOwnerOnlyRoles = &Error{Code: EFORBIDDEN, Message: "Only an Account Owner may grant or remove the Account Owner and User Administrator roles."}
	errOwnerOnlyAdmin = &Error{Code: EFORBIDDEN, Message: "Only an Account Owner may change another administrator."}
	errLastOwner      = &Error{Code: EFORBIDDEN, Message: "This is the last active Account Owner. Make another member an Account Owner first."}
	errRootAdminOnly  = &Error{Code: EFORBIDDEN, Message: "Only administrators of the root group may do this."}
	errGroupReach     = &Error{Code: EFORBIDDEN, Message: "You can only assign roles in groups you administer."}
	errMemberNotFound = &Error{Code: ENOTFOUND, Message: "Member not found."}
	errGroupNotFound  = &Error{Code: ENOTFOUND, Message: "Group not found."}
)

func errReauth(what string) error {
	return &Error{Code: EFORBIDDEN, Message: "For your security, please sign in again before changing your own " + what + "."}
}

// isOwner reports whether the actor may grant the admin roles.
func isOwner(a Actor) bool { return a.CLI || (!a.Proxied() && a.Member.HasRole(RoleOwner)) }

// actsOnSelf reports whether the actor is the member id (never for the CLI).
func actsOnSelf(a Actor, id int64) bool { return !a.CLI && a.Member.ID == id }

// requireFresh refuses an actor whose sign-in is older than ReauthWindow.
func (s *Service) requireFresh(a Actor, what string) error {
	if a.CLI {
		return nil
	}
	if a.Session.CreatedAt.IsZero() || s.clock().Sub(a.Session.CreatedAt) > ReauthWindow {
		return errReauth(what)
	}
	return nil
}

// requireRank refuses a non-Owner acting on another admin.
func requireRank(a Actor, target Member) error {
	if isOwner(a) || actsOnSelf(a, target.ID) || !IsAdmin(target) {
		return nil
	}
	return errOwnerOnlyAdmin
}

// scrubSecrets removes the secrets from a member handed to the editor.
func scrubSecrets(m Member) Member {
	m.PasswordHash, m.MFASecret, m.MFALastStep = "", "", 0
	return m
}

// adminReach describes the groups an admin administers.
type adminReach struct {
	root   bool            // an admin role in the root group (or the CLI)
	groups map[int64]bool  // every administered group, descendants included
	first  int64           // the first admin group, for defaults
	tree   map[int64]Group // every group by id
}

// reachOf loads the group tree and computes the actor's reach.
func (s *Service) reachOf(ctx context.Context, r Reader, a Actor) (adminReach, error) {
	groups, err := r.ListGroups(ctx)
	if err != nil {
		return adminReach{}, err
	}
	rc := adminReach{groups: map[int64]bool{}, tree: map[int64]Group{}}
	for _, g := range groups {
		rc.tree[g.ID] = g
	}
	if a.CLI {
		rc.root, rc.first = true, RootGroup
		for id := range rc.tree {
			rc.groups[id] = true
		}
		return rc, nil
	}
	admin := map[int64]bool{}
	for _, g := range a.Member.Roles {
		if isAdminRole(g.Role) {
			admin[g.Group] = true
			if rc.first == 0 {
				rc.first = g.Group
			}
			if g.Group == RootGroup {
				rc.root = true
			}
		}
	}
	for id := range rc.tree {
		for cur, hops := id, 0; cur != 0 && hops < 64; cur, hops = rc.tree[cur].ParentID, hops+1 {
			if admin[cur] {
				rc.groups[id] = true
				break
			}
		}
	}
	return rc, nil
}

// loadRankedTarget is loadTarget for actions that need the actor to
// outrank the target (requireRank: only Owners act on other admins).
func (s *Service) loadRankedTarget(ctx context.Context, r Reader, a Actor, id int64) (Member, error) {
	m, err := s.loadTarget(ctx, r, a, id)
	if err != nil {
		return Member{}, err
	}
	if err := requireRank(a, m); err != nil {
		return Member{}, err
	}
	return m, nil
}

// loadTarget reads the member id and checks the actor administers them.
func (s *Service) loadTarget(ctx context.Context, r Reader, a Actor, id int64) (Member, error) {
	if err := s.requireAdmin(a); err != nil {
		return Member{}, err
	}
	m, err := r.MemberByID(ctx, id)
	if isNotFound(err) {
		return Member{}, errMemberNotFound
	}
	if err != nil {
		return Member{}, err
	}
	if err := s.requireAdminOver(ctx, r, a, m); err != nil {
		return Member{}, err
	}
	return m, nil
}

// isRootOwner reports whether m holds Account Owner in the root group.
func isRootOwner(m Member) bool {
	for _, g := range m.Roles {
		if g.Group == RootGroup && g.Role == RoleOwner {
			return true
		}
	}
	return false
}

// otherActiveOwner reports whether an active Account Owner of the root
// group other than exclude exists.
func (s *Service) otherActiveOwner(ctx context.Context, r Reader, exclude int64) (bool, error) {
	f := MemberFilter{Role: RoleOwner, Group: RootGroup, Status: StatusActive, Limit: 2}
	for {
		page, err := r.SearchMembers(ctx, f)
		if err != nil {
			return false, err
		}
		for _, m := range page.Members {
			if m.ID != exclude {
				return true, nil
			}
		}
		if page.Next == "" {
			return false, nil
		}
		f.After = page.Next
	}
}

// keepsOwner refuses a change that would take target out of the active
// Account Owners of the root group when no other one exists.
func (s *Service) keepsOwner(ctx context.Context, r Reader, target Member) error {
	if !isRootOwner(target) {
		return nil
	}
	ok, err := s.otherActiveOwner(ctx, r, target.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errLastOwner
	}
	return nil
}
