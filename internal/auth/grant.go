package auth

import "context"

// LoginChallenge is kuroco's first login step: it checks the password, opens
// a session and returns a single-use grant token (300 s) for ExchangeGrant.
func (s *Service) LoginChallenge(ctx context.Context, in LoginInput) (Member, Grant, error) {
	return Member{}, Grant{}, errNotYet
}

// ExchangeGrant turns a grant token into access and refresh tokens, once.
func (s *Service) ExchangeGrant(ctx context.Context, grant string) (Member, Tokens, error) {
	return Member{}, Tokens{}, errNotYet
}

// FileAccessToken issues a short-lived token that opens the session member's
// files and nothing else.
func (s *Service) FileAccessToken(ctx context.Context, sessionID int64) (Grant, error) {
	return Grant{}, errNotYet
}

// AliasLogin is kuroco's proxy login into target. Proxy permissions arrive
// with the member editor; until then every target is refused with the same
// EFORBIDDEN, whether or not it exists.
func (s *Service) AliasLogin(ctx context.Context, actor Session, targetID int64) (Member, Grant, error) {
	return Member{}, Grant{}, &Error{Code: EFORBIDDEN, Message: "You are not allowed to log in as this member."}
}
