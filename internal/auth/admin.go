package auth

import (
	"context"
	"strconv"
	"strings"
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
