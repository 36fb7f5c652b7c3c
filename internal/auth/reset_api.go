package auth

import "context"

// ResetMode selects what a password reset request mails.
type ResetMode int

// The reset flows of the dialects.
const (
	ResetLink             ResetMode = iota // a link to the reset page (pages, directus, openapi, kotive)
	ResetLinkTempPassword                  // kuroco reminder: a link plus a temporary password
	ResetCode                              // wme: an 8-character confirmation code (10 min, 5 tries)
)

// ResetRequest asks for a reset mail.
type ResetRequest struct {
	Identifier string // email or username
	Mode       ResetMode
	// URL, when set, replaces the reset page in the link (directus
	// reset_url). It must be exactly one of Config.ResetURLAllowList;
	// otherwise the request is EINVALID for a known member (and answered
	// as usual for an unknown one).
	URL string
}

// RequestReset queues the reset mail of req.Mode for a known, active member
// and answers nil for anyone else: the answer never reveals an account.
func (s *Service) RequestReset(ctx context.Context, req ResetRequest) error {
	return errNotYet
}

// ResetWithTempPassword is kuroco's reminder step 2: the mailed token and
// temporary password together set the new password.
func (s *Service) ResetWithTempPassword(ctx context.Context, token, tempPassword, newPassword string) error {
	return errNotYet
}

// ResetWithCode is wme's forgot-password-confirm. The code is bound to the
// member and the flow it was issued for; the fifth wrong code ends the flow.
func (s *Service) ResetWithCode(ctx context.Context, identifier, code, newPassword string) error {
	return errNotYet
}

// ChangePasswordWithCurrent changes a password given the member (id or login
// identifier) and the current password (kuroco reset_password). Every other
// session ends.
func (s *Service) ChangePasswordWithCurrent(ctx context.Context, loginID, current, newPassword string) error {
	return errNotYet
}

// InviteOrReset is kotive's resetpassword: a reset link for a known email, an
// invitation to the register page for an unknown one; the caller answers the
// same either way.
func (s *Service) InviteOrReset(ctx context.Context, email string) error {
	return errNotYet
}

// CompleteNewPasswordTokens answers wme's NEW_PASSWORD_REQUIRED challenge
// (the challenge must belong to the member named by identifier) and returns
// tokens under the policy of via.
func (s *Service) CompleteNewPasswordTokens(ctx context.Context, identifier, challenge, password, via string, meta ClientMeta) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

// RegisterTokens registers like Register and returns tokens under the policy
// of in.Via instead of a browser session.
func (s *Service) RegisterTokens(ctx context.Context, in RegisterInput) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

// MemberGroups returns the groups the member holds a role in (kotive's
// groupsIndex).
func (s *Service) MemberGroups(ctx context.Context, memberID int64) ([]Group, error) {
	return s.store.GroupsOfMember(ctx, memberID)
}
