package auth

import "context"

// Actor is who performs an action: the signed-in member, their session (a
// proxy session has Session.ActorID set: the real member behind it), and the
// client. The CLI acts with a zero Actor and CLI set.
type Actor struct {
	Member  Member
	Session Session
	Meta    ClientMeta
	CLI     bool // the command line: trusted operator, no member
}

// RealID is the id of the member who really acts: the proxy actor when
// acting as someone, else the member; 0 for the CLI.
func (a Actor) RealID() int64 {
	if a.Session.ActorID != 0 {
		return a.Session.ActorID
	}
	return a.Member.ID
}

// Proxied reports whether the actor is acting as someone else.
func (a Actor) Proxied() bool { return a.Session.ActorID != 0 }

var (
	errNotAdmin   = &Error{Code: EFORBIDDEN, Message: "Only Account Owners and User Administrators may do this."}
	errProxyAdmin = &Error{Code: EFORBIDDEN, Message: "Not available while acting as another member."}
)

// isAdminRole reports whether the role may use the member editor.
func isAdminRole(r RoleID) bool { return r == RoleOwner || r == RoleAdmin }

// IsAdmin reports whether m may use the member editor at all: an Account
// Owner or User Administrator in any group. Which members they may manage is
// decided per target by adminOver.
func IsAdmin(m Member) bool {
	for _, g := range m.Roles {
		if isAdminRole(g.Role) {
			return true
		}
	}
	return false
}

// requireAdmin refuses anyone but an admin acting as themselves (a proxy
// session never reaches the member editor, even into an admin: X3).
func (s *Service) requireAdmin(a Actor) error {
	if a.CLI {
		return nil
	}
	if a.Proxied() {
		return errProxyAdmin
	}
	if !IsAdmin(a.Member) {
		return errNotAdmin
	}
	return nil
}

// adminOver reports whether the actor administers target: an admin role in
// the root group, or in a group that is the target's group or one of its
// ancestors (docs/contract.md §8).
func (s *Service) adminOver(ctx context.Context, r Reader, a Actor, target Member) (bool, error) {
	if a.CLI {
		return true, nil
	}
	if a.Proxied() {
		return false, nil
	}
	adminGroups := map[int64]bool{}
	for _, g := range a.Member.Roles {
		if isAdminRole(g.Role) {
			if g.Group == RootGroup {
				return true, nil
			}
			adminGroups[g.Group] = true
		}
	}
	if len(adminGroups) == 0 {
		return false, nil
	}
	groups, err := r.ListGroups(ctx)
	if err != nil {
		return false, err
	}
	parent := map[int64]int64{}
	for _, g := range groups {
		parent[g.ID] = g.ParentID
	}
	for _, tg := range target.Roles {
		for id, hops := tg.Group, 0; id != 0 && hops < 64; id, hops = parent[id], hops+1 {
			if adminGroups[id] {
				return true, nil
			}
		}
	}
	return false, nil
}

// requireAdminOver is requireAdmin plus adminOver for one target; a member
// outside the actor's reach is ENOTFOUND, like one that does not exist.
func (s *Service) requireAdminOver(ctx context.Context, r Reader, a Actor, target Member) error {
	if err := s.requireAdmin(a); err != nil {
		return err
	}
	ok, err := s.adminOver(ctx, r, a, target)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(ENOTFOUND, "Member not found.")
	}
	return nil
}

// audit writes one audit entry inside tx (through addAudit, which also
// queues the member's mail for the actions in securityMailFor).
func (s *Service) audit(ctx context.Context, tx Tx, a Actor, action string, subject int64, detail string, grant int64) error {
	door, result := a.Meta.Door, ResultOK
	if action == AuditProxyRefused {
		result = ResultRefused
	}
	if a.CLI {
		door = DoorCLI
	}
	return s.addAudit(ctx, tx, &AuditEntry{
		At:        s.clock(),
		ActorID:   a.RealID(),
		SubjectID: subject,
		Action:    action,
		Detail:    detail,
		GrantID:   grant,
		IP:        a.Meta.IP,
		UserAgent: truncate(a.Meta.UserAgent, 512),
		Door:      door,
		Result:    result,
	})
}
