package auth

import (
	"context"
	"strings"
	"time"
)

// LoginInput is a password login from any front door.
type LoginInput struct {
	Identifier string // email or username, in any spelling
	Password   string
	Via        string // ViaPage or a dialect name
	OTP        string // the TOTP code, for members with MFA on
	Meta       ClientMeta
}

// Login checks the password and opens a session. Every failure answers
// errInvalidCredentials; an unknown account still costs one hash
// verification. A member with MFA on gets an EOTP error whose Challenge
// continues in CompleteMFA; a member with a temporary password (after the
// code, when MFA is on) gets an ENEWPASSWORD error whose Challenge completes
// the login in CompleteNewPassword.
func (s *Service) Login(ctx context.Context, in LoginInput) (Member, Session, error) {
	m, err := s.checkPassword(ctx, in.Identifier, in.Password, in.Meta)
	if err != nil {
		return Member{}, Session{}, err
	}
	if m.MFAEnabled {
		if err := s.update(ctx, func(tx Tx, _ *mailQueue) error { return m.pass.firstFactor().done(ctx, tx, s) }); err != nil {
			return Member{}, Session{}, err
		}
		challenge, err := s.challenge(ctx, m.Member, TokenMFA, mfaPendingTTL)
		if err != nil {
			return Member{}, Session{}, err
		}
		return Member{}, Session{}, &Error{Code: EOTP, Message: "Enter the code from your authenticator app.", Challenge: challenge}
	}
	if err := s.newPasswordGate(ctx, m); err != nil {
		return Member{}, Session{}, err
	}
	var sess Session
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err = s.loginSession(ctx, tx, m, ViaPage, in.Meta, false, amrPassword)
		return err
	})
	return m.Member, sess, err
}

// verifiedMember is a member whose password just matched, with a fresh hash
// when the stored one used outdated parameters, and the gate's pass, which
// the transaction completing the login settles.
type verifiedMember struct {
	Member
	rehash string
	pass   pass
}

// checkPassword finds the member and runs the password through the gate
// (gate.go), answering errInvalidCredentials for every kind of failure
// (unknown account, wrong password, suspended or invited account) after at
// least FailureFloor, and ERATELIMIT for a backed-off account or IP, the
// same for known and unknown identifiers.
func (s *Service) checkPassword(ctx context.Context, identifier, password string, meta ClientMeta) (verifiedMember, error) {
	key := Canonical(identifier)
	if len(key) > maxIdentifierLen {
		key = key[:maxIdentifierLen]
	}
	m, err := s.store.MemberByLogin(ctx, key)
	if err != nil && !isNotFound(err) {
		return verifiedMember{}, err
	}
	return s.checkMemberPassword(ctx, m, key, password, meta)
}

// checkMemberPassword runs password through the gate for m (ID 0: the
// identifier ident names no account).
func (s *Service) checkMemberPassword(ctx context.Context, m Member, ident, password string, meta ClientMeta) (verifiedMember, error) {
	v := verifiedMember{Member: m}
	suspended := false
	p, err := s.gate(ctx, attempt{
		kind: secretPassword, meta: meta, member: m, ident: ident, failure: errInvalidCredentials, floor: true,
		event: AuditSignInFailed,
		verify: func(context.Context) (bool, error) {
			if len(password) > MaxPasswordBytes || password == "" {
				return false, nil
			}
			hash := m.PasswordHash
			if m.ID == 0 || hash == "" {
				hash = s.dummy // unknown, or invited without a password yet
			}
			match, rehash, err := s.hasher.Verify(password, hash)
			if err != nil && ErrorCode(err) != EINTERNAL {
				return false, err // overloaded: nothing was evaluated
			}
			if err != nil || !match || m.ID == 0 || m.PasswordHash == "" {
				return false, nil // a malformed stored hash fails like a wrong password
			}
			if m.Status != StatusActive && m.Status != StatusPasswordResetRequired {
				suspended = m.Status == StatusSuspended
				return false, nil // counted like a wrong password
			}
			if rehash {
				if v.rehash, err = s.hasher.Hash(password); err != nil {
					return false, err
				}
			}
			return true, nil
		},
	})
	if suspended && ErrInvalidCredentials(err) {
		// Only after the hash matched: suspension is revealed only to
		// someone who knows the password (directus USER_SUSPENDED).
		return verifiedMember{}, ErrSuspended
	}
	if err != nil {
		return verifiedMember{}, err
	}
	v.pass = p
	return v, nil
}

// maxIdentifierLen bounds the identifier used as a counter key.
const maxIdentifierLen = 320

// openSession creates a session for the member inside tx. Its absolute
// lifetime is the pages' SessionTTL or the dialect policy's Session.
func (s *Service) openSession(ctx context.Context, tx Tx, memberID int64, via string, meta ClientMeta, mfa bool, amr ...string) (Session, error) {
	now := s.clock()
	ttl := s.cfg.SessionTTL
	if via != ViaPage && via != ViaCLI {
		ttl = s.tokenPolicy(via).Session
	}
	sess := Session{
		MemberID:   memberID,
		Via:        via,
		IP:         meta.IP,
		UserAgent:  truncate(meta.UserAgent, 512),
		CreatedAt:  now,
		LastUsedAt: now,
		ExpiresAt:  now.Add(ttl),
		MFA:        mfa,
		AMR:        amr,
	}
	if err := tx.CreateSession(ctx, &sess); err != nil {
		return Session{}, err
	}
	detail := ""
	if mfa {
		detail = "with two-factor"
	}
	return sess, s.auditEvent(ctx, tx, event{action: AuditSignIn, subject: memberID, result: ResultOK, meta: meta,
		door: sessionDoor(meta, via), detail: detail})
}

// sessionDoor is the door recorded for an event of a session: the request's
// label, else the door the session was opened through.
func sessionDoor(meta ClientMeta, via string) string {
	if meta.Door != "" {
		return meta.Door
	}
	return via
}

// mfaPendingTTL bounds the "password OK, code pending" state (docs/security.md M4).
const mfaPendingTTL = 5 * time.Minute

// maxOTPAttempts wrong codes end a pending MFA login (docs/security.md M3).
const maxOTPAttempts = 5

// challenge issues a single-use token of the kind for the member's next
// login step, replacing any earlier one.
func (s *Service) challenge(ctx context.Context, m Member, kind string, ttl time.Duration) (string, error) {
	secret, err := newSecret(s.rand, 32)
	if err != nil {
		return "", err
	}
	now := s.clock()
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.DeleteTokens(ctx, m.ID, kind); err != nil {
			return err
		}
		return tx.CreateToken(ctx, OneTimeToken{Hash: HashToken(secret), Kind: kind, MemberID: m.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	})
	return secret, err
}

// newPasswordChallenge issues the single-use token that lets a member with a
// temporary password choose a new one.
func (s *Service) newPasswordChallenge(ctx context.Context, m Member) (string, error) {
	return s.challenge(ctx, m, TokenNewPassword, s.cfg.NewPasswordTTL)
}

var errOTPInvalid = &Error{Code: EOTP, Message: "Invalid one-time password."}

// CompleteMFA finishes a page login of a member with MFA: the challenge from
// Login plus a valid one-time password open a browser session (or, for a
// temporary password, lead on to the new-password step). The code goes
// through the gate; the fifth wrong code also ends the pending login. The
// counts are committed although the request fails.
func (s *Service) CompleteMFA(ctx context.Context, challenge, otp string, meta ClientMeta) (Member, Session, error) {
	tok, m, err := s.gatedToken(ctx, meta, challenge, TokenMFA)
	if err != nil {
		return Member{}, Session{}, err
	}
	p, err := s.checkCode(ctx, m, otp, meta)
	if ErrorCode(err) == EOTP {
		if uerr := s.update(context.WithoutCancel(ctx), func(tx Tx, _ *mailQueue) error {
			n, err := tx.AddTokenAttempt(ctx, tok.Hash)
			if err != nil || n < maxOTPAttempts {
				return err
			}
			return tx.DeleteTokens(ctx, m.ID, TokenMFA)
		}); uerr != nil {
			return Member{}, Session{}, uerr
		}
	}
	if err != nil {
		return Member{}, Session{}, err
	}
	var sess Session
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.UseToken(ctx, tok.Hash, s.clock()); err != nil {
			return refusal(err, errChallengeInvalid)
		}
		if m.Status == StatusPasswordResetRequired {
			return p.done(ctx, tx, s)
		}
		var err error
		sess, err = s.loginSession(ctx, tx, verifiedMember{Member: m, pass: p}, ViaPage, meta, true, amrPassword, amrOTP)
		return err
	})
	if err != nil {
		return Member{}, Session{}, err
	}
	if err := s.newPasswordGate(ctx, verifiedMember{Member: m}); err != nil {
		return Member{}, Session{}, err
	}
	return m, sess, nil
}

// checkCode runs a one-time password of m through the gate: a TOTP code of
// a step after the last accepted one, which it then uses up, or one of the
// member's recovery codes, which it deletes (checkSecondFactor,
// recovery.go). A right TOTP code whose step was used already is refused
// with errReplayedOTP, which reads like any other refusal.
func (s *Service) checkCode(ctx context.Context, m Member, otp string, meta ClientMeta) (pass, error) {
	replayed := false
	p, err := s.gate(ctx, attempt{
		kind: secretCode, meta: meta, member: m, failure: errInvalidOTP, event: AuditMFAFailed,
		verify: func(ctx context.Context) (bool, error) {
			err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
				fresh, err := tx.MemberByID(ctx, m.ID)
				if err != nil {
					return err
				}
				replayed, err = s.checkSecondFactor(ctx, tx, fresh, otp, meta)
				return err
			})
			if ErrorCode(err) == EOTP {
				return false, nil
			}
			return err == nil, err
		},
	})
	if replayed && err == errInvalidOTP {
		return pass{}, errReplayedOTP
	}
	return p, err
}

// CompleteNewPassword answers the NEW_PASSWORD_REQUIRED challenge of the
// pages: it sets the member's own password and opens a browser session.
func (s *Service) CompleteNewPassword(ctx context.Context, challenge, password string, via string, meta ClientMeta) (Member, Session, error) {
	m, t, err := s.completeNewPassword(ctx, "", challenge, password, via, meta, false)
	return m, t.Session, err
}

// completeNewPassword checks the challenge (and, when identifier is set,
// that it belongs to that member), sets the new password, and opens a
// session, with tokens under via's policy when withTokens.
func (s *Service) completeNewPassword(ctx context.Context, identifier, challenge, password, via string, meta ClientMeta, withTokens bool) (Member, Tokens, error) {
	// The challenge is a secret like any other: through the gate, so that
	// guesses count on the client's per-IP throttle.
	var (
		tok OneTimeToken
		m   Member
	)
	err := s.gateToken(ctx, meta, func(ctx context.Context) (err error) {
		tok, m, err = s.liveToken(ctx, challenge, TokenNewPassword)
		if err == nil && identifier != "" && Canonical(identifier) != m.Username && Canonical(identifier) != Canonical(m.Email) {
			err = errChallengeInvalid
		}
		return err
	})
	if err != nil {
		return Member{}, Tokens{}, err
	}
	if err := s.policy.Check(password, PasswordOwner{Email: m.Email, Username: m.Username}); err != nil {
		return Member{}, Tokens{}, err
	}
	if ok, _, _ := s.hasher.Verify(password, m.PasswordHash); ok {
		return Member{}, Tokens{}, FieldError("password", "Choose a password different from the temporary one.")
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	var t Tokens
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		now := s.clock()
		if err := tx.UseToken(ctx, tok.Hash, now); err != nil {
			return refusal(err, errChallengeInvalid)
		}
		if err := tx.SetPassword(ctx, m.ID, hash, now, StatusActive); err != nil {
			return err
		}
		sess, err := s.openSession(ctx, tx, m.ID, via, meta, m.MFAEnabled, amrPassword)
		if err != nil || !withTokens {
			t.Session = sess
			return err
		}
		t, err = s.issue(ctx, tx, sess, via)
		return err
	})
	if err != nil {
		return Member{}, Tokens{}, err
	}
	m.Status = StatusActive
	return m, t, nil
}

var errChallengeInvalid = &Error{Code: EUNAUTHORIZED, Message: "This step has expired. Please sign in again."}

// gatedToken is liveToken through the gate: a refused token counts on the
// client's per-IP throttle.
func (s *Service) gatedToken(ctx context.Context, meta ClientMeta, secret, kind string) (tok OneTimeToken, m Member, err error) {
	err = s.gateToken(ctx, meta, func(ctx context.Context) (err error) {
		tok, m, err = s.liveToken(ctx, secret, kind)
		return err
	})
	return tok, m, err
}

// liveToken finds an unused, unexpired token of the kind and its member.
func (s *Service) liveToken(ctx context.Context, secret, kind string) (OneTimeToken, Member, error) {
	invalid := errChallengeInvalid
	if kind == TokenReset {
		invalid = errResetInvalid
	}
	if secret == "" || len(secret) > 256 {
		return OneTimeToken{}, Member{}, invalid
	}
	tok, err := s.store.TokenByHash(ctx, HashToken(secret))
	if isNotFound(err) || (err == nil && (tok.Kind != kind || tok.UsedAt != nil)) {
		return OneTimeToken{}, Member{}, invalid
	}
	if err != nil {
		return OneTimeToken{}, Member{}, err
	}
	if !s.clock().Before(tok.ExpiresAt) {
		if kind == TokenReset {
			return OneTimeToken{}, Member{}, errResetExpired
		}
		return OneTimeToken{}, Member{}, invalid
	}
	m, err := s.store.MemberByID(ctx, tok.MemberID)
	if isNotFound(err) {
		return OneTimeToken{}, Member{}, invalid
	}
	if err != nil {
		return OneTimeToken{}, Member{}, err
	}
	// A token dies when the password changes after it was issued, and a
	// reset link when the member's email is no longer the one it was mailed to.
	if m.PasswordChangedAt.After(tok.CreatedAt) || m.Status == StatusSuspended ||
		(kind == TokenReset && Canonical(tok.Email) != Canonical(m.Email)) {
		return OneTimeToken{}, Member{}, invalid
	}
	return tok, m, nil
}

// Authenticate resolves a session id (from a browser cookie or a token) to its
// live session and member, and records the activity. A revoked, expired or
// idle session, or a member who is no longer active, is EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, sessionID int64) (Member, Session, error) {
	sess, err := s.store.SessionByID(ctx, sessionID)
	if isNotFound(err) {
		return Member{}, Session{}, errSessionEnded
	}
	if err != nil {
		return Member{}, Session{}, err
	}
	return s.authenticateSession(ctx, sess)
}

// authenticateSession checks a loaded session: live, its member active, its
// proxy grant (if any) still there; it records the activity.
func (s *Service) authenticateSession(ctx context.Context, sess Session) (Member, Session, error) {
	now := s.clock()
	if !sess.Active(now, s.idle(sess)) {
		return Member{}, Session{}, errSessionEnded
	}
	m, err := s.store.MemberByID(ctx, sess.MemberID)
	if isNotFound(err) || (err == nil && m.Status != StatusActive) {
		return Member{}, Session{}, errSessionEnded
	}
	if err != nil {
		return Member{}, Session{}, err
	}
	if ok, err := s.proxyAlive(ctx, s.store, sess); err != nil || !ok {
		if err == nil {
			err = errSessionEnded
		}
		return Member{}, Session{}, err
	}
	// Record activity at most once a minute: one write per request would
	// make every page view contend for the single writer.
	if now.Sub(sess.LastUsedAt) >= time.Minute {
		if err := s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.TouchSession(ctx, sess.ID, now) }); err != nil {
			return Member{}, Session{}, err
		}
		sess.LastUsedAt = now
	}
	return m, sess, nil
}

// Logout ends the session. Ending an unknown or ended session is not an error.
func (s *Service) Logout(ctx context.Context, sessionID int64) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err := tx.SessionByID(ctx, sessionID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		err = tx.RevokeSession(ctx, sessionID, s.clock())
		if isNotFound(err) {
			return nil
		}
		if err != nil || sess.RevokedAt != nil {
			return err
		}
		return s.auditSession(ctx, tx, AuditSignOut, sess, sess.MemberID)
	})
}

// auditSession records the end of sess by by (its member, or the proxy
// actor), labelled with the session's own door and client.
func (s *Service) auditSession(ctx context.Context, tx Tx, action string, sess Session, by int64) error {
	actor := by
	if sess.ActorID != 0 {
		actor = sess.ActorID
	}
	return s.auditEvent(ctx, tx, event{action: action, subject: sess.MemberID, actor: actor, result: ResultOK,
		meta: ClientMeta{IP: sess.IP, UserAgent: sess.UserAgent}, door: sess.Via})
}

// idle is the idle timeout of a session: the pages' SessionIdle, or the
// policy of the dialect that opened it.
func (s *Service) idle(sess Session) time.Duration {
	if sess.Via == ViaPage {
		return s.cfg.SessionIdle
	}
	return s.tokenPolicy(sess.Via).Idle
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
