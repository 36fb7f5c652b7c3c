package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Recovery codes (docs/decisions.md, "Recovery codes"): ten single-use
// codes a member with two-factor on can give instead of a TOTP code, made
// when two-factor is turned on and deleted when it is turned off. Each is
// ten characters of Crockford's base32 alphabet (50 random bits), shown
// once as xxxxx-xxxxx; only a hash of each is stored, and using one deletes
// it in the transaction that accepts it.

// Audit actions of two-factor.
const (
	AuditMFAEnabled             = "mfa.enabled"
	AuditMFADisabled            = "mfa.disabled"
	AuditMFARecoveryUsed        = "mfa.recovery_used"
	AuditMFARecoveryRegenerated = "mfa.recovery_regenerated"
)

const (
	recoveryCodeCount = 10
	recoveryCodeLen   = 10 // characters, 5 bits each
	// recoveryAlphabet is Crockford's base32: no i, l, o or u, so what a
	// member reads back cannot be confused (o is read as 0, i and l as 1).
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
)

// errReplayedOTP answers a TOTP code that was right but whose step was
// used already. It reads like every other refusal of a code (the doors
// cannot tell it apart); the pages ask IsReplayedOTP to tell the member to
// wait for the next code.
var errReplayedOTP = &Error{Code: EOTP, Message: "Invalid one-time password."}

// IsReplayedOTP reports whether err refused a right TOTP code because its
// time step was used already.
func IsReplayedOTP(err error) bool { return errors.Is(err, errReplayedOTP) }

// newRecoveryCodes returns recoveryCodeCount fresh codes, formatted
// xxxxx-xxxxx, from r.
func newRecoveryCodes(r io.Reader) ([]string, error) {
	codes := make([]string, recoveryCodeCount)
	buf := make([]byte, recoveryCodeLen)
	for i := range codes {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		var b strings.Builder
		for j, c := range buf {
			if j == recoveryCodeLen/2 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[c&31]) // 256 is a multiple of 32: uniform
		}
		codes[i] = b.String()
	}
	return codes, nil
}

// normalizeRecoveryCode reads a code as a member may type it (any case,
// spaces and dashes anywhere, o for 0, i or l for 1); ok is false when it
// is not shaped like a recovery code.
func normalizeRecoveryCode(in string) (string, bool) {
	if len(in) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToLower(in) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'o':
			r = '0'
		case r == 'i' || r == 'l':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(recoveryAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryCodeLen {
		return "", false
	}
	return b.String(), true
}

// recoveryHash is the stored form of a normalized code: SHA-256 over a
// label, the member id and the code. 50 random bits make a slow hash
// unnecessary (docs/decisions.md, "Recovery codes"); the member id keeps
// one member's hash from matching another's.
func recoveryHash(memberID int64, code string) string {
	sum := sha256.Sum256([]byte("gatehouse recovery code\x00" + strconv.FormatInt(memberID, 10) + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes makes a new set of codes for the member inside tx,
// replacing any earlier set, and returns them (shown once).
func (s *Service) replaceRecoveryCodes(ctx context.Context, tx Tx, memberID int64) ([]string, error) {
	codes, err := newRecoveryCodes(s.rand)
	if err != nil {
		return nil, err
	}
	hashes := make([]string, len(codes))
	for i, c := range codes {
		n, _ := normalizeRecoveryCode(c)
		hashes[i] = recoveryHash(memberID, n)
	}
	if err := tx.ReplaceRecoveryCodes(ctx, memberID, hashes, s.clock()); err != nil {
		return nil, err
	}
	return codes, nil
}

// checkSecondFactor is the one check of a second factor inside the
// caller's transaction: a 6-digit TOTP code (checkOTP, its step used up)
// or a recovery code (deleted, and mfa.recovery_used recorded). Every
// refusal is errInvalidOTP; replayed says a right TOTP code came again.
func (s *Service) checkSecondFactor(ctx context.Context, tx Tx, m Member, otp string, meta ClientMeta) (replayed bool, err error) {
	code, isRecovery := normalizeRecoveryCode(otp)
	if !isRecovery {
		err := s.checkOTP(ctx, tx, m, otp)
		if ErrorCode(err) == EOTP {
			return totpReplayed(m, otp, s.totpStep()), err
		}
		return false, err
	}
	if !m.MFAEnabled {
		return false, errInvalidOTP
	}
	if err := tx.UseRecoveryCode(ctx, m.ID, recoveryHash(m.ID, code)); err != nil {
		if isNotFound(err) {
			return false, errInvalidOTP
		}
		return false, err
	}
	left, err := tx.RecoveryCodesLeft(ctx, m.ID)
	if err != nil {
		return false, err
	}
	return false, s.audit(ctx, tx, Actor{Member: m, Meta: meta}, AuditMFARecoveryUsed, m.ID, strconv.Itoa(left)+" left", 0)
}

// totpReplayed reports whether otp is the code of a step in T-1..T+1 that
// is not after the member's last accepted one.
func totpReplayed(m Member, otp string, now int64) bool {
	key, err := decodeSecret(m.MFASecret)
	otp = strings.TrimSpace(otp)
	if err != nil || len(key) == 0 || len(otp) != totpDigits {
		return false
	}
	found := false
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := now + d
		if subtle.ConstantTimeCompare([]byte(totpCode(key, step)), []byte(otp)) == 1 && step <= m.MFALastStep {
			found = true
		}
	}
	return found
}

// TwoFactorStatus is what the account page shows about two-factor.
type TwoFactorStatus struct {
	Enabled       bool
	RecoveryCodes int // unused recovery codes left
}

// TwoFactor returns the two-factor status of the member.
func (s *Service) TwoFactor(ctx context.Context, memberID int64) (TwoFactorStatus, error) {
	m, err := s.store.MemberByID(ctx, memberID)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	st := TwoFactorStatus{Enabled: m.MFAEnabled}
	if m.MFAEnabled {
		if st.RecoveryCodes, err = s.store.RecoveryCodesLeft(ctx, memberID); err != nil {
			return TwoFactorStatus{}, err
		}
	}
	return st, nil
}

// RegenerateRecoveryCodes replaces every recovery code of the member of the
// session asking with ten new ones (returned, shown once). It needs a
// current code (a TOTP code or a recovery code) or, when code is empty,
// the password from a session that passed the second factor, through the
// gate. A proxy or ended session is refused.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, sessionID int64, password, code string, meta ClientMeta) ([]string, error) {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	m, err := s.store.MemberByID(ctx, sess.MemberID)
	if err != nil {
		return nil, err
	}
	if !m.MFAEnabled {
		return nil, errMFAOff
	}
	var p pass
	if strings.TrimSpace(code) != "" {
		p, err = s.checkCode(ctx, m, code, meta)
	} else {
		var v verifiedMember
		v, err = s.gatePassword(ctx, m, "", password, meta, errIncorrectPassword)
		p = v.pass
		if err == nil {
			// The password alone only from a session that passed the
			// second factor (change.go secondFactor): otherwise a stolen
			// older session and the password would yield new codes.
			if _, ferr := s.secondFactor(ctx, m, &sess, "", meta); ferr != nil {
				return nil, s.settleBoth(ctx, ferr, p)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := p.done(ctx, tx, s); err != nil {
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, tx, m.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditMFARecoveryRegenerated, m.ID, "", 0)
	})
	return codes, err
}

// DisableTwoFactor turns two-factor off for the member of the session
// asking, given the password and a current code (TOTP or recovery), both
// through the gate. A proxy or ended session is refused.
func (s *Service) DisableTwoFactor(ctx context.Context, sessionID int64, password, code string, meta ClientMeta) error {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return err
	}
	m, err := s.store.MemberByID(ctx, sess.MemberID)
	if err != nil {
		return err
	}
	if !m.MFAEnabled {
		return errMFAOff
	}
	v, err := s.gatePassword(ctx, m, "", password, meta, errIncorrectPassword)
	if err != nil {
		return err
	}
	if err := s.settleAlone(context.WithoutCancel(ctx), v.pass); err != nil {
		return err
	}
	return s.DisableTOTP(ctx, sessionID, code, meta)
}
