package auth

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

var (
	errResetInvalid = &Error{Code: EUNAUTHORIZED, Message: "This reset link is invalid or has already been used."}
	errResetExpired = &Error{Code: EEXPIRED, Message: "This reset link has expired. Please request a new one."}
)

// RequestPasswordReset mails a single-use reset link to the member known by
// identifier. It answers nil whether or not the account exists, so the
// answer reveals nothing; older links of the member stop working.
func (s *Service) RequestPasswordReset(ctx context.Context, identifier string) error {
	key := Canonical(identifier)
	if key == "" || len(key) > maxEmailLen {
		return nil
	}
	m, err := s.store.MemberByLogin(ctx, key)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status == StatusSuspended || m.Status == StatusInvited {
		return nil
	}
	secret, err := newSecret(s.rand, 32)
	if err != nil {
		return err
	}
	now := s.clock()
	expires := now.Add(s.cfg.ResetTTL)
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		if err := tx.DeleteTokens(ctx, m.ID, TokenReset); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, OneTimeToken{Hash: HashToken(secret), Kind: TokenReset, MemberID: m.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		data := map[string]string{
			"link":            s.link("/reset-password?token=" + url.QueryEscape(secret)),
			"expires_minutes": strconv.Itoa(int(s.cfg.ResetTTL.Minutes())),
		}
		return q.send(ctx, s.mail(MailReset, m, data, expires))
	})
}

// CheckResetToken reports whether a reset link is still usable, so the reset
// page can say so before the member types a new password.
func (s *Service) CheckResetToken(ctx context.Context, token string) error {
	_, _, err := s.liveToken(ctx, token, TokenReset)
	return err
}

// ResetPassword sets a new password with a reset token. It does not log the
// member in: it ends every session of the member, invalidates every other
// reset link, and queues a "your password was changed" notice.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	tok, m, err := s.liveToken(ctx, token, TokenReset)
	if err != nil {
		return err
	}
	if err := s.policy.Check(password, PasswordOwner{Email: m.Email, Username: m.Username}); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		now := s.clock()
		if err := tx.UseToken(ctx, tok.Hash, now); err != nil {
			if isNotFound(err) {
				return errResetInvalid
			}
			return err
		}
		return s.passwordChanged(ctx, tx, q, m, hash, 0)
	})
}

// passwordChanged stores a new password hash and does everything that must
// follow in the same transaction: reset links die, sessions end (all of them
// when keep is 0, all but keep when keep > 0, none when keep < 0), and the
// member is told by mail.
func (s *Service) passwordChanged(ctx context.Context, tx Tx, q *mailQueue, m Member, hash string, keep int64) error {
	now := s.clock()
	status := m.Status
	if status == StatusPasswordResetRequired {
		status = StatusActive
	}
	if err := tx.SetPassword(ctx, m.ID, hash, now, status); err != nil {
		return err
	}
	if err := tx.DeleteTokens(ctx, m.ID, TokenReset); err != nil {
		return err
	}
	if keep >= 0 {
		if _, err := tx.RevokeMemberSessions(ctx, m.ID, keep, now); err != nil {
			return err
		}
	}
	return q.send(ctx, s.mail(MailPasswordChanged, m, map[string]string{"link": s.link("/forgot-password")}, now.Add(24*time.Hour)))
}
