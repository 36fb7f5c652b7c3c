package auth

import "context"

// CreateMemberInput is an administrator (or the CLI) creating a member.
type CreateMemberInput struct {
	Email     string
	Password  string
	Name      string
	Username  string
	Role      RoleID // held in the root group; RoleMaker when zero
	Temporary bool   // the password must be replaced at first login
}

// CreateMember creates an active member (or one with status
// password_reset_required when Temporary) whose email counts as verified,
// since an administrator vouches for it.
func (s *Service) CreateMember(ctx context.Context, in CreateMemberInput) (Member, error) {
	m, err := s.newMember(in.Email, in.Username, in.Name, in.Password, nil)
	if err != nil {
		return Member{}, err
	}
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
