package auth

import (
	"context"
	"time"
)

// Dialect names, used as Session.Via and to pick a TokenPolicy.
const (
	ViaKuroco   = "kuroco"
	ViaWME      = "wme"
	ViaKotive   = "kotive"
	ViaDirectus = "directus"
	ViaOpenAPI  = "openapi"
)

// RefreshGrace is how long a rotated refresh token may be replayed (a
// concurrent retry) and still get the current token instead of revoking the
// family (checklist T4; Supabase's default).
const RefreshGrace = 10 * time.Second

// DefaultPolicies are the lifetimes of api-contract §1.
func DefaultPolicies() map[string]TokenPolicy {
	return map[string]TokenPolicy{
		ViaKuroco:   {Access: time.Hour, Refresh: 7 * 24 * time.Hour, Session: 7 * 24 * time.Hour, Hex: true},
		ViaWME:      {Access: 24 * time.Hour, Refresh: 90 * 24 * time.Hour, Session: 90 * 24 * time.Hour, MaxMints: 90, IDToken: true},
		ViaDirectus: {Access: 15 * time.Minute, Refresh: 7 * 24 * time.Hour, Session: 30 * 24 * time.Hour, Rotate: true},
		ViaOpenAPI:  {Access: 24 * time.Hour, Refresh: 12 * 24 * time.Hour, Session: 30 * 24 * time.Hour, Rotate: true},
		ViaKotive:   {Access: 12 * time.Hour, Session: 30 * 24 * time.Hour, Idle: 12 * time.Hour, Hex: true, HexBytes: 16},
	}
}

// LoginTokens checks the password (and the one-time password when MFA is on)
// and opens a session with tokens issued under the policy of in.Via.
func (s *Service) LoginTokens(ctx context.Context, in LoginInput) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

// RefreshTokens exchanges a refresh token for a new access token (and, when
// the presenting dialect rotates, a new refresh token). A rotated token
// replayed within RefreshGrace returns the current token; replayed later, it
// revokes the whole session, and that revocation is committed although the
// call fails.
func (s *Service) RefreshTokens(ctx context.Context, via, refresh string) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

// AuthenticateToken resolves an access token from any dialect (or the pages)
// to its member and live session. Any other kind of token is EUNAUTHORIZED.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Member, Session, error) {
	return Member{}, Session{}, errNotYet
}

// RevokeRefreshToken ends the session a refresh token belongs to. Unknown,
// revoked or malformed tokens are not an error (RFC 7009).
func (s *Service) RevokeRefreshToken(ctx context.Context, refresh string) error {
	return errNotYet
}

// LogoutToken ends the session of an access token; unknown tokens are not an
// error.
func (s *Service) LogoutToken(ctx context.Context, access string) error {
	return errNotYet
}

// AnonymousToken issues a kuroco anonymous access token: accepted by public
// endpoints only, refused wherever a member is needed.
func (s *Service) AnonymousToken(ctx context.Context, via string) (Tokens, error) {
	return Tokens{}, errNotYet
}

// BasicLogin serves HTTP Basic logins (kotive): secret is either the
// member's password, which opens a new session, or an access token of that
// same member, which is returned as is.
func (s *Service) BasicLogin(ctx context.Context, username, secret, via string, meta ClientMeta) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

var errNotYet = &Error{Code: EINTERNAL, Message: "Not implemented yet."}
