package auth

import (
	"context"
	"fmt"
)

var (
	errResetInvalid = &Error{Code: EUNAUTHORIZED, Message: "This reset link is invalid or has already been used."}
	errResetExpired = &Error{Code: EEXPIRED, Message: "This reset link has expired. Please request a new one."}
)

// RequestPasswordReset asks for a single-use reset link for the member known
// by identifier, without a client IP (the pages pass theirs through
// RequestReset). It answers nil whether or not the account exists; the
// link, once mailed, makes older links of the member stop working.
func (s *Service) RequestPasswordReset(ctx context.Context, identifier string) error {
	return s.RequestReset(ctx, ResetRequest{Identifier: identifier, Door: ViaPage})
}

// CheckResetToken reports whether a reset link is still usable, so the reset
// page can say so before the member types a new password.
func (s *Service) CheckResetToken(ctx context.Context, token string, meta ClientMeta) error {
	_, _, err := s.gatedToken(ctx, meta, token, TokenReset)
	return err
}

// ResetPassword sets a new password with a reset token. It does not log the
// member in: it ends every session of the member, invalidates every other
// reset link, and queues a "your password was changed" notice.
func (s *Service) ResetPassword(ctx context.Context, token, password string, meta ClientMeta) error {
	tok, m, err := s.gatedToken(ctx, meta, token, TokenReset)
	if err != nil {
		return err
	}
	return s.resetWith(ctx, tok, m, password, meta)
}

// passwordChanged stores a new password hash and does everything that must
// follow in the same transaction: reset links die, sessions end (all of them
// when keep is 0, all but keep when keep > 0, none when keep < 0), and the
// member is told by mail (the password.changed entry queues it, see
// securityMail). how says what changed it, for the entry's detail.
func (s *Service) passwordChanged(ctx context.Context, tx Tx, m Member, hash string, keep int64, meta ClientMeta, how string) error {
	now := s.clock()
	status := m.Status
	if status == StatusPasswordResetRequired || status == StatusInvited {
		status = StatusActive
	}
	if err := tx.SetPassword(ctx, m.ID, hash, now, status); err != nil {
		return err
	}
	if err := tx.DeleteTokens(ctx, m.ID, TokenReset); err != nil {
		return err
	}
	// A new password starts every failure counter of the member over: a
	// completed reset ends the lockout that an attacker caused.
	if err := tx.DeleteMemberFailures(ctx, m.ID); err != nil {
		return err
	}
	if keep >= 0 {
		n, err := tx.RevokeMemberSessions(ctx, m.ID, keep, now)
		if err != nil {
			return err
		}
		if n > 0 {
			if err := s.auditEvent(ctx, tx, event{action: AuditSessionEnded, subject: m.ID, result: ResultOK, meta: meta,
				detail: fmt.Sprintf("%d session(s) ended by the password change", n)}); err != nil {
				return err
			}
		}
	}
	switch {
	case keep == 0:
		how += "; every session ended"
	case keep > 0:
		how += "; other sessions ended"
	}
	return s.auditEvent(ctx, tx, event{action: AuditPasswordChange, subject: m.ID, result: ResultOK, meta: meta, detail: how})
}
