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

// GenerateTOTP creates a TOTP secret after checking the member's password
// (re-authentication, checklist M5). It is not stored: EnableTOTP stores it
// once a code from it is valid. A member whose MFA is already on must disable
// it first.
func (s *Service) GenerateTOTP(ctx context.Context, memberID int64, password string) (TOTPSecret, error) {
	m, err := s.store.MemberByID(ctx, memberID)
	if err != nil {
		return TOTPSecret{}, err
	}
	ok, _, err := s.hasher.Verify(password, m.PasswordHash)
	if err != nil && m.PasswordHash != "" {
		return TOTPSecret{}, err
	}
	if !ok {
		return TOTPSecret{}, errIncorrectPassword
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

// EnableTOTP turns MFA on with secret once otp is valid for it (steps T-1..T+1
// and after the member's last accepted step). The code's step is recorded, so
// the same code cannot also open a login. Other sessions are left alone: no
// current session id is passed in to keep. No notification mail is sent yet
// (there is no template for it).
func (s *Service) EnableTOTP(ctx context.Context, memberID int64, secret, otp string) error {
	key, err := decodeSecret(secret)
	if err != nil || len(key) < totpSecretBytes {
		return errBadTOTPSecret
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := tx.MemberByID(ctx, memberID)
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
		if err := tx.SetMFA(ctx, memberID, totpEncoding.EncodeToString(key), true); err != nil {
			return err
		}
		if err := tx.AdvanceMFAStep(ctx, memberID, step); err != nil {
			if isNotFound(err) {
				return errInvalidOTP
			}
			return err
		}
		return nil
	})
}

// DisableTOTP turns MFA off given a valid current code (which counts as the
// re-authentication, and is used up like any other code). No notification
// mail is sent yet (there is no template for it).
func (s *Service) DisableTOTP(ctx context.Context, memberID int64, otp string) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		if !m.MFAEnabled {
			return errMFAOff
		}
		if err := s.checkOTP(ctx, tx, m, otp); err != nil {
			return err
		}
		return tx.SetMFA(ctx, memberID, "", false)
	})
}
