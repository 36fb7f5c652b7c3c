package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// TOTP (RFC 6238; docs/security.md M1, M2, M5): HMAC-SHA1, 6 digits, 30 s steps.
// A code is accepted for the steps T-1, T and T+1 (one step of drift either
// way, RFC 6238 §5.2), and only if its step is after the last accepted one,
// which is persisted (a code is usable once; an older code after a newer one
// is refused).
const (
	totpPeriod      = 30 // seconds
	totpDigits      = 6
	totpSecretBytes = 20 // 160 bits (RFC 4226 R6)
	totpSkew        = 1  // steps accepted either side of the current one
)

// totpEncoding is the secret's text form: base32, no padding.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// errInvalidOTP is the one answer to a missing, wrong or replayed code.
var errInvalidOTP = &Error{Code: EOTP, Message: "Invalid one-time password."}

// generateSecret returns 20 random bytes from s.rand, base32 without padding.
func (s *Service) generateSecret() (string, error) {
	b := make([]byte, totpSecretBytes)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	return totpEncoding.EncodeToString(b), nil
}

// decodeSecret parses a base32 secret as authenticator apps show it: case,
// spaces and padding do not matter.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, secret))
	return totpEncoding.DecodeString(strings.TrimRight(s, "="))
}

// hotp is RFC 4226 HOTP with HMAC-SHA1 and the given number of digits (≤ 9).
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// totpCode is the 6-digit code of the secret (raw bytes) at a time step.
func totpCode(key []byte, step int64) string {
	return hotp(key, uint64(step), totpDigits)
}

// totpStep is the time step of the service clock.
func (s *Service) totpStep() int64 {
	return s.clock().Unix() / totpPeriod
}

// matchTOTP returns the step in T-1..T+1 whose code is otp and that comes
// after lastStep (the earliest such step), comparing every candidate in
// constant time.
func matchTOTP(key []byte, otp string, now, lastStep int64) (int64, bool) {
	otp = strings.TrimSpace(otp)
	if len(otp) != totpDigits || strings.Trim(otp, "0123456789") != "" {
		return 0, false
	}
	var found int64
	ok := false
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := now + d
		match := subtle.ConstantTimeCompare([]byte(totpCode(key, step)), []byte(otp)) == 1
		if match && step > lastStep && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// checkOTP verifies a code of the member's TOTP secret inside the caller's
// transaction and records its step, so that it is accepted once only (a
// concurrent use of the same code loses in AdvanceMFAStep). Any refusal is
// EOTP "Invalid one-time password.".
func (s *Service) checkOTP(ctx context.Context, tx Tx, m Member, otp string) error {
	key, err := decodeSecret(m.MFASecret)
	if err != nil || len(key) == 0 {
		return errInvalidOTP
	}
	step, ok := matchTOTP(key, otp, s.totpStep(), m.MFALastStep)
	if !ok {
		return errInvalidOTP
	}
	if err := tx.AdvanceMFAStep(ctx, m.ID, step); err != nil {
		if isNotFound(err) {
			return errInvalidOTP
		}
		return err
	}
	return nil
}
