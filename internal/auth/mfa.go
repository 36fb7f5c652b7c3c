package auth

import "context"

// TOTPSecret is a freshly generated TOTP secret, shown once.
type TOTPSecret struct {
	Secret     string // base32, no padding
	OTPAuthURL string // otpauth://totp/… for authenticator apps
}

// GenerateTOTP creates a TOTP secret after checking the member's password. It
// is not stored: EnableTOTP stores it once a code from it is valid.
func (s *Service) GenerateTOTP(ctx context.Context, memberID int64, password string) (TOTPSecret, error) {
	return TOTPSecret{}, errNotYet
}

// EnableTOTP turns MFA on with secret once otp is valid for it.
func (s *Service) EnableTOTP(ctx context.Context, memberID int64, secret, otp string) error {
	return errNotYet
}

// DisableTOTP turns MFA off given a valid current code.
func (s *Service) DisableTOTP(ctx context.Context, memberID int64, otp string) error {
	return errNotYet
}
