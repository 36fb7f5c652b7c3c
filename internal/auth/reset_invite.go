package auth

import "context"

// ResetTokenInvites checks a reset link like CheckResetToken and reports
// whether it is an invitation: its member was invited and has never chosen
// a password, so the page asks for a first password, not a new one.
func (s *Service) ResetTokenInvites(ctx context.Context, token string, meta ClientMeta) (bool, error) {
	_, m, err := s.gatedToken(ctx, meta, token, TokenReset)
	if err != nil {
		return false, err
	}
	return m.Status == StatusInvited, nil
}
