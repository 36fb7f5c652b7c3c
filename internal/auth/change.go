package auth

import (
	"context"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Credential changes (docs/decisions.md, "One gate for every secret"): whichever
// door asks — the account page, kuroco reset_password, wme change-password,
// directus two-factor routes — the same use case decides, after the gate
// (gate.go) has checked the secret:
//
//   - the request must come from a live session of the member, or (kuroco
//     reset_password without a token) prove the member by login id and
//     password; an unknown or ended session is refused, never let through;
//   - a proxy session may never change the target's password, email,
//     two-factor or passkeys, nor end the target's other sessions;
//   - a member with two-factor on changes credentials only from a session
//     that passed the second factor, or with a code given with the change;
//   - a new password follows the policy and differs from the current one.

var (
	errNeedSecondFactor = &Error{Code: EOTP, Message: "This account uses two-factor authentication: sign in with your code, or give a code with this change."}
	errCurrentPassword  = FieldError("current_password", "Your current password is incorrect.")
	errLoginInvalid     = &Error{Code: EUNAUTHORIZED, Message: "Incorrect login or password."}
)

// requester loads the session asking for a security change and its member:
// a live session that is not a proxy session.
func (s *Service) requester(ctx context.Context, sessionID int64) (Session, error) {
	if sessionID == 0 {
		return Session{}, errSessionEnded
	}
	sess, err := s.store.SessionByID(ctx, sessionID)
	if isNotFound(err) || (err == nil && !sess.Active(s.clock(), s.idle(sess))) {
		return Session{}, errSessionEnded
	}
	if err != nil {
		return Session{}, err
	}
	if sess.ActorID != 0 {
		return Session{}, errProxyGuard
	}
	return sess, nil
}

// secondFactor passes when the member has no two-factor, the session passed
// it, or otp is a valid code (through the gate; its pass is returned to be
// settled with the change).
func (s *Service) secondFactor(ctx context.Context, m Member, sess *Session, otp string, meta ClientMeta) (pass, error) {
	if !m.MFAEnabled || (sess != nil && sess.MFA) {
		return pass{}, nil
	}
	if otp == "" {
		return pass{}, errNeedSecondFactor
	}
	return s.checkCode(ctx, m, otp, meta)
}

// ChangePasswordInput is a member changing their own password from any
// door.
type ChangePasswordInput struct {
	// SessionID is the session asking; it stays signed in. Zero only for
	// kuroco reset_password without a token, which names the member by
	// LoginID (a member id or an email) instead.
	SessionID     int64
	LoginID       string
	Current       string
	New           string
	Confirm       *string
	OTP           string // a code, for a member with MFA whose session did not pass it
	SignOutOthers bool   // end every other session (all of them without a session)
	Meta          ClientMeta
}

// ChangePassword replaces the password after the gate checked the current
// one. Reset links die, other sessions end when asked (always, without a
// session), and a notice is mailed.
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) error {
	var (
		m    Member
		sess *Session
		err  error
	)
	if in.SessionID != 0 || in.LoginID == "" {
		r, err := s.requester(ctx, in.SessionID)
		if err != nil {
			return err
		}
		sess = &r
		if m, err = s.store.MemberByID(ctx, r.MemberID); err != nil {
			return err
		}
		if in.LoginID != "" {
			// kuroco with a token: login_id must name the token's member.
			named, err := s.memberByLoginID(ctx, in.LoginID)
			if err != nil {
				return err
			}
			if named.ID != m.ID {
				return errLoginInvalid
			}
		}
	} else if m, err = s.memberByLoginID(ctx, in.LoginID); err != nil {
		return err
	}
	failure := error(errCurrentPassword)
	if sess == nil {
		failure = errLoginInvalid // the identical answer of a login
	}
	v, err := s.gatePassword(ctx, m, in.LoginID, in.Current, in.Meta, failure)
	if err != nil {
		return err
	}
	// Only once the password is proven: the answer tells nobody else
	// whether the member uses two-factor.
	code, err := s.secondFactor(ctx, m, sess, in.OTP, in.Meta)
	if err != nil {
		return s.settleBoth(ctx, err, v.pass)
	}
	if err := s.checkNewPassword(v.Member, in.Current, in.New, in.Confirm); err != nil {
		return s.settleBoth(ctx, err, v.pass, code)
	}
	hash, err := s.hasher.Hash(in.New)
	if err != nil {
		return s.settleBoth(ctx, err, v.pass, code)
	}
	keep := int64(-1)
	switch {
	case sess == nil:
		keep = 0
	case in.SignOutOthers:
		keep = sess.ID
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := v.pass.done(ctx, tx, s); err != nil {
			return err
		}
		if err := code.done(ctx, tx, s); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, v.Member, hash, keep, in.Meta, "changed with the current password")
	})
}

// gatePassword runs the current password of m through the gate, answering
// failure for a wrong one (ident names the account when m is unknown).
func (s *Service) gatePassword(ctx context.Context, m Member, ident, password string, meta ClientMeta, failure error) (verifiedMember, error) {
	v, err := s.checkMemberPassword(ctx, m, Canonical(ident), password, meta)
	if ErrInvalidCredentials(err) || IsSuspended(err) {
		return verifiedMember{}, failure
	}
	return v, err
}

// settleBoth settles the passes of a change refused after its secrets were
// right (the secrets were not the problem), then returns err.
func (s *Service) settleBoth(ctx context.Context, err error, ps ...pass) error {
	bg := context.WithoutCancel(ctx)
	for _, p := range ps {
		if serr := s.settleAlone(bg, p); serr != nil {
			return serr
		}
	}
	return err
}

// checkNewPassword applies the password policy, the confirmation and the
// rule that a new password differs from the current one.
func (s *Service) checkNewPassword(m Member, current, next string, confirm *string) error {
	if err := s.policy.Check(next, PasswordOwner{Email: m.Email, Username: m.Username}); err != nil {
		return &Error{Code: EINVALID, Message: ErrorMessage(err), Fields: map[string]string{"new_password": ErrorMessage(err)}}
	}
	if confirm != nil && *confirm != next {
		return FieldError("confirm_password", "The passwords do not match.")
	}
	if current != "" && norm.NFKC.String(next) == norm.NFKC.String(current) {
		return FieldError("new_password", "Choose a password different from your current one.")
	}
	return nil
}

// memberByLoginID resolves kuroco's login_id (a member id or a login
// identifier). An unknown one is a zero Member: the gate still costs a hash
// and answers like a wrong password.
func (s *Service) memberByLoginID(ctx context.Context, loginID string) (Member, error) {
	key := Canonical(loginID)
	if id, err := strconv.ParseInt(strings.TrimSpace(loginID), 10, 64); err == nil {
		m, err := s.store.MemberByID(ctx, id)
		if err == nil || !isNotFound(err) {
			return m, err
		}
	}
	if len(key) > maxIdentifierLen {
		key = key[:maxIdentifierLen]
	}
	m, err := s.store.MemberByLogin(ctx, key)
	if isNotFound(err) {
		return Member{}, nil
	}
	return m, err
}

// sameAsCurrent reports whether password equals the member's current one
// (for resets, which prove the member by a token, not by the password).
func (s *Service) sameAsCurrent(m Member, password string) (bool, error) {
	if m.PasswordHash == "" {
		return false, nil
	}
	ok, _, err := s.hasher.Verify(password, m.PasswordHash)
	if err != nil && ErrorCode(err) != EINTERNAL {
		return false, err
	}
	return ok, nil
}

var errSameAsCurrent = FieldError("password", "Choose a password different from your current one.")
