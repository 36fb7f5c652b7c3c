package auth

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// checkRoles validates a role list against the tree and returns it sorted
// and without duplicates.
func checkRoles(rc adminReach, roles []RoleGrant) ([]RoleGrant, error) {
	seen := map[RoleGrant]bool{}
	out := make([]RoleGrant, 0, len(roles))
	for _, g := range roles {
		if g.Role.Label() == "Unknown" {
			return nil, FieldError("roles", "Unknown role.")
		}
		if _, ok := rc.tree[g.Group]; !ok {
			return nil, FieldError("roles", "Unknown group.")
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, FieldError("roles", "A member needs at least one role.")
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Role < out[j].Role
	})
	return out, nil
}

// checkRoleChange enforces who may make the change from before to after:
// admin roles need an Account Owner, and a group admin touches only grants
// in the groups they administer.
func checkRoleChange(a Actor, rc adminReach, before, after []RoleGrant) error {
	was, now := map[RoleGrant]bool{}, map[RoleGrant]bool{}
	for _, g := range before {
		was[g] = true
	}
	for _, g := range after {
		now[g] = true
	}
	var changed []RoleGrant
	for g := range was {
		if !now[g] {
			changed = append(changed, g)
		}
	}
	for g := range now {
		if !was[g] {
			changed = append(changed, g)
		}
	}
	for _, g := range changed {
		if isAdminRole(g.Role) && !isOwner(a) {
			return errOwnerOnlyRoles
		}
		if !rc.root && !rc.groups[g.Group] {
			return errGroupReach
		}
	}
	return nil
}

// rolesText renders roles for the audit log: "Maker@1, Account Owner@1".
func rolesText(roles []RoleGrant) string {
	if len(roles) == 0 {
		return "none"
	}
	parts := make([]string, len(roles))
	for i, g := range roles {
		parts[i] = g.Role.Label() + "@" + strconv.FormatInt(g.Group, 10)
	}
	return strings.Join(parts, ", ")
}

// AdminCreateMember creates a member with a temporary password, or invites
// them by mail when in.Password is empty. The email counts as verified: an
// admin vouches for it (and an invited member proves it by using the link).
func (s *Service) AdminCreateMember(ctx context.Context, a Actor, in AdminCreateInput) (Member, error) {
	if err := s.requireAdmin(a); err != nil {
		return Member{}, err
	}
	email, emailErr := cleanEmail(in.Email)
	username, userErr := "", error(nil)
	if strings.TrimSpace(in.Username) != "" {
		username, userErr = cleanUsername(in.Username)
	}
	name, nameErr := cleanText("name", "Name", in.Name, maxNameLen, false)
	var pwErr error
	if in.Password != "" {
		pwErr = s.policy.Check(in.Password, PasswordOwner{Email: email, Username: username})
	}
	if err := mergeFields(emailErr, userErr, nameErr, pwErr); err != nil {
		return Member{}, err
	}
	m := Member{Email: email, Username: username, Name: name, EmailVerified: true}
	m.FirstName, m.LastName = SplitName(name)
	now := s.clock()
	if in.Password != "" {
		hash, err := s.hasher.Hash(in.Password)
		if err != nil {
			return Member{}, err
		}
		m.PasswordHash, m.PasswordChangedAt = hash, now
		m.Status = StatusPasswordResetRequired
	} else {
		m.Status = StatusInvited
	}
	m.CreatedAt, m.UpdatedAt = now, now
	err := s.update(ctx, func(tx Tx, q *mailQueue) error {
		rc, err := s.reachOf(ctx, tx, a)
		if err != nil {
			return err
		}
		roles := in.Roles
		if len(roles) == 0 {
			roles = []RoleGrant{{Group: rc.first, Role: RoleMaker}}
		}
		if m.Roles, err = checkRoles(rc, roles); err != nil {
			return err
		}
		if err := checkRoleChange(a, rc, nil, m.Roles); err != nil {
			return err
		}
		if err := createMember(ctx, tx, &m); err != nil {
			return err
		}
		detail := "created with a temporary password; roles: " + rolesText(m.Roles)
		if m.Status == StatusInvited {
			detail = "invited by email; roles: " + rolesText(m.Roles)
			if err := s.queueResetLink(ctx, tx, q, m, s.inviteLink()); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditMemberCreate, m.ID, detail, 0)
	})
	if err != nil {
		return Member{}, err
	}
	return scrubSecrets(m), nil
}

var mobileRE = regexp.MustCompile(`^\+?[0-9 ()./-]*$`)

const maxMobileLen = 32

// AdminUpdateMember writes every profile field of a member, validated like
// registration and the profile page. A new email address is unverified.
// The audit entry names the changed fields.
func (s *Service) AdminUpdateMember(ctx context.Context, a Actor, id int64, u MemberUpdate) (Member, error) {
	email, emailErr := cleanEmail(u.Email)
	name, nameErr := cleanText("name", "Name", u.Name, maxNameLen, false)
	first, firstErr := cleanText("first_name", "First name", u.FirstName, maxNameLen, false)
	last, lastErr := cleanText("last_name", "Last name", u.LastName, maxNameLen, false)
	bio, bioErr := cleanText("bio", "Bio", u.Bio, maxBioLen, true)
	mobile, mobileErr := cleanText("mobile", "Mobile", u.Mobile, maxMobileLen, false)
	if mobileErr == nil && !mobileRE.MatchString(mobile) {
		mobileErr = FieldError("mobile", "Use digits, spaces and + ( ) - . / only.")
	}
	if err := mergeFields(emailErr, nameErr, firstErr, lastErr, bioErr, mobileErr); err != nil {
		if err := s.requireAdmin(a); err != nil {
			return Member{}, err
		}
		return Member{}, err
	}
	var m Member
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		old, err := s.loadRankedTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		m = old
		// An unchanged username is not re-validated (it may be the default,
		// the email).
		if Canonical(u.Username) != old.Username {
			if m.Username, err = cleanUsername(u.Username); err != nil {
				return err
			}
		}
		m.Email, m.Name, m.FirstName, m.LastName, m.Mobile = email, name, first, last, mobile
		m.Bio = nil
		if bio != "" {
			m.Bio = &bio
		}
		if Canonical(m.Email) != Canonical(old.Email) {
			m.EmailVerified = false
		}
		var changed []string
		for _, c := range []struct {
			field    string
			from, to string
		}{
			{"email", old.Email, m.Email},
			{"username", old.Username, m.Username},
			{"name", old.Name, m.Name},
			{"first_name", old.FirstName, m.FirstName},
			{"last_name", old.LastName, m.LastName},
			{"bio", bioText(old.Bio), bioText(m.Bio)},
			{"mobile", old.Mobile, m.Mobile},
		} {
			if c.from != c.to {
				changed = append(changed, c.field)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		m.UpdatedAt = s.clock()
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		detail := "changed " + strings.Join(changed, ", ")
		if !m.EmailVerified && old.EmailVerified {
			detail += " (email now unverified)"
		}
		if Canonical(m.Email) != Canonical(old.Email) {
			if err := s.emailChanged(ctx, tx, a, m, old.Email, "by an administrator"); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, AuditMemberUpdate, m.ID, detail, 0)
	})
	if err != nil {
		return Member{}, err
	}
	return scrubSecrets(m), nil
}

func bioText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// AdminSetStatus suspends (StatusSuspended) or reactivates (StatusActive) a
// member. Suspending ends every session of the member at once, including
// proxy sessions they run as someone else; it is refused for oneself and
// for the last active Account Owner. Reactivating a member who never set a
// password makes them invited again.
func (s *Service) AdminSetStatus(ctx context.Context, a Actor, id int64, st Status) error {
	if st != StatusActive && st != StatusSuspended {
		if err := s.requireAdmin(a); err != nil {
			return err
		}
		return FieldError("status", "The status must be active or suspended.")
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := s.loadRankedTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		from := m.Status
		now := s.clock()
		detail := ""
		switch st {
		case StatusSuspended:
			if from == StatusSuspended {
				return nil
			}
			if actsOnSelf(a, id) {
				return &Error{Code: EFORBIDDEN, Message: "You cannot suspend yourself."}
			}
			if err := s.keepsOwner(ctx, tx, m); err != nil {
				return err
			}
			m.Status = StatusSuspended
			n, err := s.endAllSessions(ctx, tx, id, now)
			if err != nil {
				return err
			}
			detail = fmt.Sprintf("status %s → %s; %d session(s) ended", from, m.Status, n)
		default:
			if from != StatusSuspended {
				return nil
			}
			m.Status = StatusActive
			if m.PasswordHash == "" {
				m.Status = StatusInvited
			}
			detail = fmt.Sprintf("status %s → %s", from, m.Status)
		}
		m.UpdatedAt = now
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditMemberStatus, id, detail, 0)
	})
}

// endAllSessions revokes every session of the member and every proxy
// session they run as someone else, and returns how many ended.
func (s *Service) endAllSessions(ctx context.Context, tx Tx, id int64, now time.Time) (int, error) {
	n, err := tx.RevokeMemberSessions(ctx, id, 0, now)
	if err != nil {
		return 0, err
	}
	grants, err := tx.ProxyGrantsForActor(ctx, id)
	if err != nil {
		return 0, err
	}
	for _, g := range grants {
		k, err := tx.RevokeProxySessions(ctx, g.TargetID, id, now)
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// AdminDeleteMember deletes a member and everything that hangs on them;
// their audit entries stay. Refused for oneself and for the last active
// Account Owner.
func (s *Service) AdminDeleteMember(ctx context.Context, a Actor, id int64) error {
	var files []File
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := s.loadRankedTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if actsOnSelf(a, id) {
			return &Error{Code: EFORBIDDEN, Message: "You cannot delete yourself."}
		}
		if err := s.keepsOwner(ctx, tx, m); err != nil {
			return err
		}
		if _, err := s.endAllSessions(ctx, tx, id, s.clock()); err != nil {
			return err
		}
		if files, err = tx.FilesOfMember(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteMember(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditMemberDelete, id, "deleted "+m.Email, 0)
	})
	if err == nil {
		// The rows are gone with the member; their bytes go once that
		// is committed (a failed delete keeps both).
		s.removeBlobs(files)
	}
	return err
}

// AdminSendReset mails the member a reset link (the set-password link again
// for an invited member). A suspended member gets none.
func (s *Service) AdminSendReset(ctx context.Context, a Actor, id int64) error {
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		m, err := s.loadTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if m.Status == StatusSuspended {
			return &Error{Code: EINVALID, Message: "This member is suspended. Reactivate them before sending a reset link."}
		}
		link, detail := resetLink{base: s.link("/reset-password"), ttl: s.cfg.ResetTTL, mail: MailReset}, "reset link sent"
		if m.Status == StatusInvited {
			link, detail = s.inviteLink(), "invitation sent again"
		}
		if err := s.queueResetLink(ctx, tx, q, m, link); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditMemberReset, id, detail, 0)
	})
}

// AdminEndSessions ends every session of the member (and the proxy sessions
// they run as others) and returns how many ended.
func (s *Service) AdminEndSessions(ctx context.Context, a Actor, id int64) (int, error) {
	var n int
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		_, err := s.loadRankedTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if n, err = s.endAllSessions(ctx, tx, id, s.clock()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, AuditSessionEnded, id, "every session ended by an administrator", 0); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditMemberEnd, id, fmt.Sprintf("%d session(s) ended", n), 0)
	})
	return n, err
}

// AdminSetRoles replaces the member's roles. Only an Account Owner grants or
// removes Account Owner and User Administrator; the last active Account
// Owner of the root group keeps that role; changing one's own roles needs a
// recent sign-in. Roles are read on every request, so the change is
// effective at the member's next request.
func (s *Service) AdminSetRoles(ctx context.Context, a Actor, id int64, roles []RoleGrant) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := s.loadRankedTarget(ctx, tx, a, id)
		if err != nil {
			return err
		}
		rc, err := s.reachOf(ctx, tx, a)
		if err != nil {
			return err
		}
		after, err := checkRoles(rc, roles)
		if err != nil {
			return err
		}
		before, _ := checkRoles(rc, m.Roles)
		if rolesText(before) == rolesText(after) {
			return nil
		}
		if err := checkRoleChange(a, rc, m.Roles, after); err != nil {
			return err
		}
		if actsOnSelf(a, id) {
			if err := s.requireFresh(a, "roles"); err != nil {
				return err
			}
		}
		if !isRootOwner(Member{Roles: after}) {
			if err := s.keepsOwner(ctx, tx, m); err != nil {
				return err
			}
		}
		if err := tx.SetRoles(ctx, id, after); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditRoles, id, "roles: "+rolesText(before)+" → "+rolesText(after), 0)
	})
}
