package auth

import "time"

// Credential kinds: bearer secrets bound to a session (docs/contract.md §1).
const (
	CredAccess    = "access"    // presented on every authenticated request
	CredRefresh   = "refresh"   // exchanged for new access tokens
	CredGrant     = "grant"     // kuroco grant_token: single use, exchanged at /token
	CredFile      = "file"      // kuroco file_access_token: opens member files only
	CredAnonymous = "anonymous" // kuroco anonymous token: public endpoints only, no session
	CredClient    = "client"    // OIDC client_credentials: a machine client's own token, no session, no member
)

// Credential is one issued bearer secret. Only the SHA-256 of the secret is
// stored (Hash); a copy of the database yields no usable token.
type Credential struct {
	Hash       string
	Kind       string
	SessionID  int64  // 0 for anonymous tokens
	Via        string // the dialect that minted it
	ParentHash string // access: the refresh token that minted it; refresh: its predecessor
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time // grant: when exchanged
	RotatedAt  *time.Time // refresh: when replaced by its successor
	RevokedAt  *time.Time
	// Successor is the plaintext of the refresh token that replaced this one,
	// kept (sealed at rest by the store) so that a concurrent retry within the
	// grace window gets the current token instead of forking the family.
	Successor string
	Mints     int // refresh: access tokens minted from it (wme caps this)
}

// Tokens is what a token-issuing use case returns; empty fields were not
// issued.
type Tokens struct {
	Access         string
	AccessExpires  time.Time
	Refresh        string
	RefreshExpires time.Time
	IDToken        string
	Session        Session
}

// Grant is a single secret with its expiry (kuroco grant and file tokens).
type Grant struct {
	Token     string
	ExpiresAt time.Time
}

// TokenPolicy is how one dialect issues tokens.
type TokenPolicy struct {
	Access   time.Duration // access token lifetime
	Refresh  time.Duration // refresh token lifetime (0: no refresh token)
	Session  time.Duration // absolute session lifetime
	Idle     time.Duration // session idle timeout (0: none)
	Rotate   bool          // refresh returns a new refresh token
	MaxMints int           // access tokens one refresh token may mint (0: no cap)
	IDToken  bool          // issue an id_token JWT (wme)
	Hex      bool          // hex-encoded secrets (kuroco shape) instead of base64url
	HexBytes int           // secret size for Hex (default 32; kotive authToken: 16)
}

// Group is a node of the organisation tree (docs/contract.md §8).
type Group struct {
	ID       int64
	ParentID int64 // 0 for the root
	Name     string
}

// SigningKey is an Ed25519 key for id_tokens. Private is the 32-byte seed,
// sealed at rest by the store.
type SigningKey struct {
	KID       string
	Private   []byte
	Public    []byte
	CreatedAt time.Time
	RetiredAt *time.Time
}
