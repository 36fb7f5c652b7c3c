package auth

import (
	"context"
	"net/url"
	"strings"
)

// TOTPSecret is a freshly generated TOTP secret, shown once.
type TOTPSecret struct {
	Secret     string // base32, no padding
	OTPAuthURL string // otpauth://totp/… for authenticator apps
}

var (
	errIncorrectPassword = &Error{Code: EUNAUTHORIZED, Message: "Incorrect password."}
	errMFAAlreadyOn      = &Error{Code: EINVALID, Message: "Two-factor authentication is already enabled."}
	errMFAOff            = &Error{Code: EINVALID, Message: "Two-factor authentication is not enabled."}
	errBadTOTPSecret     = FieldError("secret", "The secret is not a valid TOTP secret.")
)

// GenerateTOTP creates a TOTP secret for the member of the session asking,
// after the gate checked their password (re-authentication, docs/security.md M5;
// failures count like a login's). It is not stored: EnableTOTP stores it
// once a code from it is valid. A member whose MFA is already on must
// disable it first. A proxy or ended session is refused (change.go).
func (s *Service) GenerateTOTP(ctx context.Context, sessionID int64, password string, meta ClientMeta) (TOTPSecret, error) {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return TOTPSecret{}, err
	}
	m, err := s.store.MemberByID(ctx, sess.MemberID)
	if err != nil {
		return TOTPSecret{}, err
	}
	v, err := s.gatePassword(ctx, m, "", password, meta, errIncorrectPassword)
	if err != nil {
		return TOTPSecret{}, err
	}
	if err := s.settleAlone(context.WithoutCancel(ctx), v.pass); err != nil {
		return TOTPSecret{}, err
	}
	if m.MFAEnabled {
		return TOTPSecret{}, errMFAAlreadyOn
	}
	secret, err := s.generateSecret()
	if err != nil {
		return TOTPSecret{}, err
	}
	return TOTPSecret{Secret: secret, OTPAuthURL: s.otpauthURL(m.Email, secret)}, nil
}

// otpauthURL builds the Key URI of authenticator apps:
// otpauth://totp/{Product}:{email}?secret=…&issuer={Product}&algorithm=SHA1&digits=6&period=30.
func (s *Service) otpauthURL(email, secret string) string {
	esc := func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	product := s.cfg.ProductName
	return "otpauth://totp/" + esc(product) + ":" + esc(email) +
		"?secret=" + esc(secret) + "&issuer=" + esc(product) + "&algorithm=SHA1&digits=6&period=30"
}

// EnableTOTP turns MFA on for the member of the session asking, with secret,
// once otp is valid for it (steps T-1..T+1 and after the member's last
// accepted step). The code's step is recorded, so the same code cannot also
// open a login. A proxy or ended session is refused. It makes the member's
// recovery codes too; EnableTOTPWithCodes returns them.
func (s *Service) EnableTOTP(ctx context.Context, sessionID int64, secret, otp string) error {
	_, err := s.EnableTOTPWithCodes(ctx, sessionID, secret, otp, ClientMeta{})
	return err
}

// EnableTOTPWithCodes is EnableTOTP returning the ten recovery codes it
// made in the same transaction (recovery.go), to be shown once.
func (s *Service) EnableTOTPWithCodes(ctx context.Context, sessionID int64, secret, otp string, meta ClientMeta) ([]string, error) {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	key, err := decodeSecret(secret)
	if err != nil || len(key) < totpSecretBytes {
		return nil, errBadTOTPSecret
	}
	var codes []string
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := tx.MemberByID(ctx, sess.MemberID)
		if err != nil {
			return err
		}
		if m.MFAEnabled {
			return errMFAAlreadyOn
		}
		step, ok := matchTOTP(key, otp, s.totpStep(), m.MFALastStep)
		if !ok {
			return errInvalidOTP
		}
		if err := tx.SetMFA(ctx, m.ID, totpEncoding.EncodeToString(key), true); err != nil {
			return err
		}
		if err := tx.AdvanceMFAStep(ctx, m.ID, step); err != nil {
			if isNotFound(err) {
				return errInvalidOTP
			}
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, tx, m.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditMFAEnabled, m.ID, "", 0)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP turns MFA off for the member of the session asking, given a
// valid current code (TOTP or recovery) through the gate (which counts as
// the re-authentication, and is used up like any other code); the recovery
// codes go with it. A proxy or ended session is refused.
func (s *Service) DisableTOTP(ctx context.Context, sessionID int64, otp string, meta ClientMeta) error {
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
	p, err := s.checkCode(ctx, m, otp, meta)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := p.done(ctx, tx, s); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, m.ID, nil, s.clock()); err != nil {
			return err
		}
		if err := tx.SetMFA(ctx, m.ID, "", false); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditMFADisabled, m.ID, "", 0)
	})
}
