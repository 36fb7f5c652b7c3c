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

// CreateMemberInput is an administrator (or the CLI) creating a member.
type CreateMemberInput struct {
	Email     string
	Password  string
	Name      string
	FirstName string // optional; with LastName empty too, split from Name
	LastName  string
	Username  string
	Role      RoleID // held in the root group; RoleMaker when zero
	Temporary bool   // the password must be replaced at first login
}

// CreateMember creates an active member (or one with status
// password_reset_required when Temporary) whose email counts as verified,
// since an administrator vouches for it.
func (s *Service) CreateMember(ctx context.Context, in CreateMemberInput) (Member, error) {
	m, err := s.newMember(in.Email, in.Username, in.Name, in.Password, nil)
	first, last, namesErr := memberNames(in.FirstName, in.LastName, m.Name)
	if err := mergeFields(err, namesErr); err != nil {
		return Member{}, err
	}
	m.FirstName, m.LastName = first, last
	role := in.Role
	if role == 0 {
		role = RoleMaker
	}
	if role.Label() == "Unknown" {
		return Member{}, FieldError("role", "Unknown role.")
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return Member{}, err
	}
	now := s.clock()
	m.PasswordHash, m.PasswordChangedAt = hash, now
	m.EmailVerified = true
	m.Status = StatusActive
	if in.Temporary {
		m.Status = StatusPasswordResetRequired
	}
	m.Roles = []RoleGrant{{Group: RootGroup, Role: role}}
	m.CreatedAt, m.UpdatedAt = now, now
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error { return createMember(ctx, tx, &m) })
	return m, err
}

// ListMembers returns members ordered by id, after afterID.
func (s *Service) ListMembers(ctx context.Context, afterID int64, limit int) ([]Member, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.store.ListMembers(ctx, MemberQuery{AfterID: afterID, Limit: limit})
}

// ---------------------------------------------------------------------------
// The member editor's use cases (issue 4).
//
// Every method first authorises the actor: an Account Owner or User
// Administrator acting as themselves (never from a proxy session: X3), over
// the target member (a member outside the admin's groups is ENOTFOUND, like
// one that does not exist). Then it makes its change and writes its audit
// entry in one transaction.
//
// Rules beyond docs/contract.md §8, chosen here:
//   - Only an Account Owner (or the CLI) grants or removes the roles Account
//     Owner and User Administrator, and only an Account Owner changes,
//     suspends, deletes or ends the sessions of another member who holds one
//     of those roles (a User Administrator could otherwise change an
//     Owner's email and take the account over with a reset link).
//   - There is always an active Account Owner in the root group: the last
//     one cannot be demoted, suspended or deleted (A4).
//   - An admin changing their own roles, or granting themselves the right to
//     log in as someone, needs a sign-in no older than 15 minutes (A4); the
//     time of the actor's session creation is the time of authentication.
//   - An admin whose admin roles are all in subgroups ("group admin") sees
//     and changes only members holding a role in one of those groups or
//     their descendants, assigns roles only in those groups, and lists one
//     group at a time (MemberFilter.Group, defaulting to their first admin
//     group). The group tree and the whole audit log belong to admins of
//     the root group; a group admin reads the audit entries of one member
//     they administer (AuditQuery.MemberID).
// ---------------------------------------------------------------------------

// MemberUpdate is every profile field an admin may edit. Every field is
// written: an empty optional field clears it.
type MemberUpdate struct{ Email, Username, Name, FirstName, LastName, Bio, Mobile string }

// AdminCreateInput is an admin creating a member: with a temporary password
// (status password_reset_required) or, when Password is empty, by an
// invitation mail whose link lets the member choose a password (status
// invited until then). Roles default to Maker in the root group (in the
// admin's first admin group for a group admin).
type AdminCreateInput struct {
	Email, Name, Username string
	Password              string // temporary; "" → invitation mail
	Roles                 []RoleGrant
}

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

// AdminListMembers returns one page of the member editor's list. A group
// admin lists one of their groups (f.Group, default their first admin
// group); a group outside their reach is EFORBIDDEN.
func (s *Service) AdminListMembers(ctx context.Context, a Actor, f MemberFilter) (MemberPage, error) {
	if err := s.requireAdmin(a); err != nil {
		return MemberPage{}, err
	}
	if f.Status != "" && !f.Status.Valid() {
		return MemberPage{}, FieldError("status", "Unknown status.")
	}
	if f.Role != 0 && f.Role.Label() == "Unknown" {
		return MemberPage{}, FieldError("role", "Unknown role.")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 200 {
		f.Limit = 200
	}
	if len(f.Query) > maxEmailLen {
		f.Query = f.Query[:maxEmailLen]
	}
	rc, err := s.reachOf(ctx, s.store, a)
	if err != nil {
		return MemberPage{}, err
	}
	if !rc.root {
		if f.Group == 0 {
			f.Group = rc.first
		}
		if !rc.groups[f.Group] {
			return MemberPage{}, &Error{Code: EFORBIDDEN, Message: "You can only list the groups you administer.", Fields: map[string]string{"group": "You can only list the groups you administer."}}
		}
	}
	page, err := s.store.SearchMembers(ctx, f)
	if err != nil {
		return MemberPage{}, err
	}
	for i := range page.Members {
		page.Members[i] = scrubSecrets(page.Members[i])
	}
	return page, nil
}

// AdminGetMember returns one member the actor administers.
func (s *Service) AdminGetMember(ctx context.Context, a Actor, id int64) (Member, error) {
	m, err := s.loadTarget(ctx, s.store, a, id)
	return scrubSecrets(m), err
}

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

// AdminGrantProxy lets actorID log in as targetID. Both must be members the
// admin administers; a target holding an admin role can never be proxied
// into (docs/security.md X3), so such a grant is refused. Granting oneself needs a
// recent sign-in.
func (s *Service) AdminGrantProxy(ctx context.Context, a Actor, targetID, actorID int64) (ProxyGrant, error) {
	var g ProxyGrant
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		target, err := s.loadTarget(ctx, tx, a, targetID)
		if err != nil {
			return err
		}
		actor, err := s.loadTarget(ctx, tx, a, actorID)
		if err != nil {
			return err
		}
		if targetID == actorID {
			msg := "A member cannot be allowed to log in as themselves."
			return &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"actor": msg}}
		}
		if IsAdmin(target) {
			return &Error{Code: EFORBIDDEN, Message: "Nobody may log in as a member who holds an admin role."}
		}
		if actsOnSelf(a, actorID) {
			if err := s.requireFresh(a, "proxy rights"); err != nil {
				return err
			}
		}
		g = ProxyGrant{TargetID: targetID, ActorID: actorID, CreatedAt: s.clock(), CreatedBy: a.RealID()}
		if err := tx.GrantProxy(ctx, &g); err != nil {
			if ErrorCode(err) == ECONFLICT {
				msg := actor.Email + " may already log in as this member."
				return &Error{Code: ECONFLICT, Message: msg, Fields: map[string]string{"actor": msg}}
			}
			return err
		}
		return s.audit(ctx, tx, a, AuditProxyGrant, targetID, fmt.Sprintf("%s (#%d) may log in as %s", actor.Email, actor.ID, target.Email), g.ID)
	})
	if err != nil {
		return ProxyGrant{}, err
	}
	return g, nil
}

// AdminRevokeProxy withdraws actorID's right to log in as targetID and ends
// their running proxy sessions as targetID in the same transaction.
func (s *Service) AdminRevokeProxy(ctx context.Context, a Actor, targetID, actorID int64) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		target, err := s.loadTarget(ctx, tx, a, targetID)
		if err != nil {
			return err
		}
		g, err := tx.ProxyGrantOf(ctx, targetID, actorID)
		if isNotFound(err) {
			return &Error{Code: ENOTFOUND, Message: "This member is not allowed to log in as " + target.Email + "."}
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeProxy(ctx, targetID, actorID); err != nil {
			return err
		}
		n, err := tx.RevokeProxySessions(ctx, targetID, actorID, s.clock())
		if err != nil {
			return err
		}
		who := "#" + strconv.FormatInt(actorID, 10)
		if actor, err := tx.MemberByID(ctx, actorID); err == nil {
			who = actor.Email + " (" + who + ")"
		}
		return s.audit(ctx, tx, a, AuditProxyRevoke, targetID, fmt.Sprintf("%s may no longer log in as %s; %d proxy session(s) ended", who, target.Email, n), g.ID)
	})
}

// AdminProxyGrants lists who may log in as the target.
func (s *Service) AdminProxyGrants(ctx context.Context, a Actor, targetID int64) ([]ProxyGrant, error) {
	if _, err := s.loadTarget(ctx, s.store, a, targetID); err != nil {
		return nil, err
	}
	return s.store.ProxyGrantsForTarget(ctx, targetID)
}

// AdminAudit returns audit entries, newest first. Admins of the root group
// read the whole log; a group admin reads the entries of one member they
// administer (q.MemberID).
func (s *Service) AdminAudit(ctx context.Context, a Actor, q AuditQuery) ([]AuditEntry, error) {
	if err := s.requireAdmin(a); err != nil {
		return nil, err
	}
	rc, err := s.reachOf(ctx, s.store, a)
	if err != nil {
		return nil, err
	}
	if !rc.root {
		if q.MemberID == 0 {
			return nil, errRootAdminOnly
		}
		m, err := s.store.MemberByID(ctx, q.MemberID)
		if isNotFound(err) {
			return nil, errMemberNotFound
		}
		if err != nil {
			return nil, err
		}
		if err := s.requireAdminOver(ctx, s.store, a, m); err != nil {
			return nil, err
		}
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	return s.store.ListAudit(ctx, q)
}

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

// ResolveMember finds a member by id, email or username (the CLI's M, T and
// A arguments). A number that is no member's id is tried as a username.
func (s *Service) ResolveMember(ctx context.Context, ref string) (Member, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Member{}, Errorf(EINVALID, "Name a member by id, email or username.")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		m, err := s.store.MemberByID(ctx, id)
		if err == nil || !isNotFound(err) {
			return m, err
		}
	}
	key := Canonical(ref)
	if len(key) > maxEmailLen {
		return Member{}, Errorf(ENOTFOUND, "No member %q.", truncate(ref, 64))
	}
	m, err := s.store.MemberByLogin(ctx, key)
	if isNotFound(err) {
		return Member{}, Errorf(ENOTFOUND, "No member %q.", ref)
	}
	return m, err
}

// inviteLink is the mail of an administrator's invitation: a link to choose
// a first password, valid for InviteTTL.
func (s *Service) inviteLink() resetLink {
	return resetLink{base: s.link("/reset-password"), ttl: s.cfg.InviteTTL, mail: MailAdminInvite}
}
