package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"time"
)

// One-time token kinds.
const (
	TokenReset       = "reset"        // password reset link
	TokenInvite      = "invite"       // invitation to register
	TokenNewPassword = "new_password" // challenge after login with a temporary password
	TokenResetCode   = "reset_code"   // wme 8-character confirmation code
	TokenMFA         = "mfa"          // password accepted, one-time password pending (pages)
)

// OneTimeToken is a single-use secret mailed or handed to a member. Only the
// SHA-256 hash of the secret is stored.
type OneTimeToken struct {
	Hash      string
	Kind      string
	MemberID  int64  // 0 for invitations
	Email     string // the invited address, for invitations
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	// Secret2Hash is the hash of a second secret the token needs (the kuroco
	// reminder's temporary password); empty when none.
	Secret2Hash string
	Attempts    int // failed attempts (wme confirmation codes)
}

// HashToken returns the hex SHA-256 of a token: the only form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newSecret returns n random bytes from r, URL-safe base64 encoded.
func newSecret(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
