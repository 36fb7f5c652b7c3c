package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The OpenID Provider's rules (docs/decisions.md, "Sign in with Gatehouse").
// The protocol is spoken by a certified library in the web layer; every
// decision — which client, which session, which member, how long a token
// lives, rotation and reuse — is made here. OIDC tokens are credentials of
// the Gatehouse browser session that signed in: logging out there (or the
// session ending any other way) ends them.

// OIDCRequest is an authorization request between /authorize and the code
// exchange. Request is the adapter's encoding of the parameters (opaque
// here). The code is stored as its SHA-256 and is single use.
type OIDCRequest struct {
	ID        string
	ClientID  string
	Request   string
	SessionID int64      // the session that signed in; 0 until then
	AuthTime  *time.Time // when that session's member signed in
	CodeHash  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time

	// Filled from the session when there is one (not stored).
	MemberID int64
	ActorID  int64 // the real member behind a proxy session
	MFA      bool  // the session passed a second factor
	AMR      []string
}

// OIDCStart is an authorization request as /authorize received it.
type OIDCStart struct {
	ClientID      string
	RedirectURI   string
	CodeChallenge string
	CodeMethod    string // "S256"; "" or "plain" are refused when a challenge is sent
	Request       string // the adapter's encoding of every parameter
}

// RFC 8176 authentication method references a session records.
const (
	amrPassword    = "pwd"
	amrOTP         = "otp"
	amrHardwareKey = "hwk"
)

// OIDC lifetimes. Access tokens are short so that a relying party that is
// in use refreshes within the browser session's idle timeout; refresh
// tokens rotate and never outlive the session.
const (
	OIDCRequestTTL = 10 * time.Minute
	OIDCAccessTTL  = 15 * time.Minute
	OIDCRefreshTTL = 30 * 24 * time.Hour
	viaOIDC        = "oidc:"
)

var (
	errOIDCRequest      = &Error{Code: ENOTFOUND, Message: "This sign-in request is unknown, used or expired."}
	errOIDCProxyConsent = &Error{Code: EFORBIDDEN, Message: "Consent to an app cannot be given while acting as another member."}
	errOIDCProxy        = &Error{Code: EFORBIDDEN, Message: "This app does not accept sign-ins from a proxy session."}
)

// OIDCGrant is what an OIDC token stands for: the client, the scopes, the
// member and the Gatehouse session it is tied to.
type OIDCGrant struct {
	ClientID string
	Scopes   []string
	Member   Member
	Session  Session
	// IssuedAt and ExpiresAt are the token's own.
	IssuedAt, ExpiresAt time.Time
}

// oidcVia is the Via of an OIDC credential: the client and its scopes.
func oidcVia(clientID string, scopes []string) string {
	return viaOIDC + clientID + "|" + strings.Join(scopes, " ")
}

// parseOIDCVia splits oidcVia (ok false for any other credential).
func parseOIDCVia(via string) (clientID string, scopes []string, ok bool) {
	rest, ok := strings.CutPrefix(via, viaOIDC)
	if !ok {
		return "", nil, false
	}
	clientID, sc, ok := strings.Cut(rest, "|")
	if !ok {
		return "", nil, false
	}
	return clientID, strings.Fields(sc), true
}

var (
	errPKCERequired = FieldError("code_challenge", "This client must use PKCE with code_challenge_method S256.")
	errPKCEMethod   = FieldError("code_challenge_method", "Only code_challenge_method S256 is supported.")
	errRedirectURI  = FieldError("redirect_uri", "This redirect URI is not registered for the client.")
)

// StartOIDCRequest stores a new authorization request, valid for
// OIDCRequestTTL: the client must exist and have registered the redirect
// URI exactly; a public client must send a PKCE S256 challenge, and any
// challenge sent must be S256 (the plain method is refused).
func (s *Service) StartOIDCRequest(ctx context.Context, in OIDCStart) (OIDCRequest, error) {
	c, err := s.Client(ctx, in.ClientID)
	if err != nil {
		return OIDCRequest{}, err
	}
	if !c.HasRedirectURI(in.RedirectURI) {
		return OIDCRequest{}, errRedirectURI
	}
	switch {
	case in.CodeChallenge == "" && c.Public:
		return OIDCRequest{}, errPKCERequired
	case in.CodeChallenge != "" && in.CodeMethod != "S256":
		return OIDCRequest{}, errPKCEMethod
	}
	id, err := newSecret(s.rand, 24)
	if err != nil {
		return OIDCRequest{}, err
	}
	now := s.clock()
	r := OIDCRequest{ID: id, ClientID: in.ClientID, Request: in.Request, CreatedAt: now, ExpiresAt: now.Add(OIDCRequestTTL)}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.CreateOIDCRequest(ctx, r) })
	return r, err
}

// OIDCRequest returns an unused, unexpired authorization request
// (errOIDCRequest, ENOTFOUND, otherwise).
func (s *Service) OIDCRequest(ctx context.Context, id string) (OIDCRequest, error) {
	if id == "" || len(id) > maxTokenLen {
		return OIDCRequest{}, errOIDCRequest
	}
	r, err := s.liveRequest(s.store.OIDCRequestByID(ctx, id))
	if err != nil || r.SessionID == 0 {
		return r, err
	}
	return s.withSession(ctx, r)
}

// withSession fills the request's member, actor and MFA from its session,
// which must still be live (errOIDCRequest otherwise).
func (s *Service) withSession(ctx context.Context, r OIDCRequest) (OIDCRequest, error) {
	sess, err := s.store.SessionByID(ctx, r.SessionID)
	if isNotFound(err) || (err == nil && !sess.Active(s.clock(), s.idle(sess))) {
		return OIDCRequest{}, errOIDCRequest
	}
	if err != nil {
		return OIDCRequest{}, err
	}
	r.MemberID, r.ActorID, r.MFA, r.AMR = sess.MemberID, sess.ActorID, sess.MFA, sess.AMR
	return r, nil
}

func (s *Service) liveRequest(r OIDCRequest, err error) (OIDCRequest, error) {
	if isNotFound(err) || (err == nil && (r.UsedAt != nil || !s.clock().Before(r.ExpiresAt))) {
		return OIDCRequest{}, errOIDCRequest
	}
	return r, err
}

// OIDCPrompt is what the request asks of the sign-in: prompt=login (a
// sign-in after the request was made) and max_age (seconds between the
// sign-in and the request; negative: no limit).
type OIDCPrompt struct {
	Login  bool
	MaxAge int64
	Scopes []string // what a third-party client must have consent for
}

// ErrOIDCLoginRequired: the session is older than the request allows; the
// member must sign in again (or, with prompt=none, the client is told
// login_required).
var ErrOIDCLoginRequired = &Error{Code: EUNAUTHORIZED, Message: "This app asks you to sign in again."}

// ErrOIDCConsentRequired: a third-party client asks for scopes the member
// has not granted it yet.
var ErrOIDCConsentRequired = &Error{Code: EFORBIDDEN, Message: "This app needs your consent."}

// SignInOIDCRequest completes the sign-in step of a request with the
// browser's Gatehouse session: the session must be live, its member
// active, fresh enough for prompt and max_age (ErrOIDCLoginRequired), and
// a client that refuses proxy sessions is refused one.
func (s *Service) SignInOIDCRequest(ctx context.Context, id string, sessionID int64, p OIDCPrompt) error {
	r, err := s.OIDCRequest(ctx, id)
	if err != nil {
		return err
	}
	_, sess, err := s.Authenticate(ctx, sessionID)
	if err != nil {
		return err
	}
	if p.Login && sess.CreatedAt.Before(r.CreatedAt) {
		return ErrOIDCLoginRequired
	}
	// max_age counts from the request (max_age=0 is prompt=login: a
	// sign-in after the request was made).
	if p.MaxAge >= 0 && r.CreatedAt.Sub(sess.CreatedAt) > time.Duration(p.MaxAge)*time.Second {
		return ErrOIDCLoginRequired
	}
	c, err := s.store.ClientByClientID(ctx, r.ClientID)
	if isNotFound(err) {
		return errOIDCRequest
	}
	if err != nil {
		return err
	}
	if sess.ActorID != 0 && c.RefuseProxy {
		return errOIDCProxy
	}
	if !c.FirstParty {
		granted, err := s.store.ConsentOf(ctx, sess.MemberID, c.ClientID)
		if err != nil && !isNotFound(err) {
			return err
		}
		for _, sc := range p.Scopes {
			if !slices.Contains(granted, sc) {
				return ErrOIDCConsentRequired
			}
		}
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		return refusal(tx.SignInOIDCRequest(ctx, id, sess.ID, sess.CreatedAt), errOIDCRequest)
	})
}

// GrantOIDCConsent records that the session's member lets the request's
// client sign them in with the scopes (remembered for later requests).
// A proxy session cannot consent for the member.
func (s *Service) GrantOIDCConsent(ctx context.Context, id string, sessionID int64, scopes []string) error {
	r, err := s.OIDCRequest(ctx, id)
	if err != nil {
		return err
	}
	_, sess, err := s.Authenticate(ctx, sessionID)
	if err != nil {
		return err
	}
	if sess.ActorID != 0 {
		return errOIDCProxyConsent
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		return tx.SetConsent(ctx, sess.MemberID, r.ClientID, scopes, s.clock())
	})
}

// OIDCConsent is an app a member allowed to sign them in.
type OIDCConsent struct {
	ClientID, ClientName string
	Scopes               []string
	CreatedAt            time.Time
}

// OIDCConsents lists the apps the member allowed, oldest first.
func (s *Service) OIDCConsents(ctx context.Context, memberID int64) ([]OIDCConsent, error) {
	return s.store.ConsentsOfMember(ctx, memberID)
}

// RevokeOIDCConsent withdraws the member's consent to the client: its next
// sign-in asks again (ENOTFOUND when there was none).
func (s *Service) RevokeOIDCConsent(ctx context.Context, memberID int64, clientID string) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.DeleteConsent(ctx, memberID, clientID) })
}

// SetOIDCCode gives a signed-in request its single-use code (stored hashed).
func (s *Service) SetOIDCCode(ctx context.Context, id, code string) error {
	if code == "" || len(code) > maxTokenLen {
		return errOIDCRequest
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		return refusal(tx.SetOIDCCode(ctx, id, HashToken(code)), errOIDCRequest)
	})
}

// OIDCRequestByCode finds the request a code was issued for: unused,
// unexpired, and its session still live.
func (s *Service) OIDCRequestByCode(ctx context.Context, code string) (OIDCRequest, error) {
	if code == "" || len(code) > maxTokenLen {
		return OIDCRequest{}, errOIDCRequest
	}
	r, err := s.liveRequest(s.store.OIDCRequestByCode(ctx, HashToken(code)))
	if err != nil {
		return OIDCRequest{}, err
	}
	return s.withSession(ctx, r)
}

// UseOIDCRequest marks the request used: its code can no longer be
// exchanged (errOIDCRequest the second time).
func (s *Service) UseOIDCRequest(ctx context.Context, id string) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		return refusal(tx.UseOIDCRequest(ctx, id, s.clock()), errOIDCRequest)
	})
}

// OIDCIssue mints an access token (and a refresh token when refresh is
// set) for the client on the session, with the scopes. The session must be
// live and its member active; nothing outlives the session.
func (s *Service) OIDCIssue(ctx context.Context, clientID string, sessionID int64, scopes []string, refresh bool) (Tokens, error) {
	var t Tokens
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err := tx.SessionByID(ctx, sessionID)
		if isNotFound(err) || (err == nil && !sess.Active(s.clock(), s.idle(sess))) {
			return errInvalidToken
		}
		if err != nil {
			return err
		}
		if _, err := s.activeMember(ctx, tx, sess.MemberID); err != nil {
			return err
		}
		via := oidcVia(clientID, scopes)
		t = Tokens{Session: sess}
		parent := ""
		if refresh {
			if t.Refresh, t.RefreshExpires, err = s.mint(ctx, tx, CredRefresh, via, sess, OIDCRefreshTTL, ""); err != nil {
				return err
			}
			parent = HashToken(t.Refresh)
		}
		t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, sess, OIDCAccessTTL, parent)
		return err
	})
	return t, err
}

// OIDCToken resolves an access or refresh token (kind CredAccess or
// CredRefresh) of the OP to its grant. A refresh token presented by another
// client is refused; a rotated refresh token presented again (outside the
// grace of RefreshTokens) is reuse: the session it belongs to is ended,
// and that is committed although the call fails.
func (s *Service) OIDCToken(ctx context.Context, token, kind, clientID string) (OIDCGrant, error) {
	if token == "" || len(token) > maxTokenLen {
		return OIDCGrant{}, errInvalidToken
	}
	c, sess, err := s.liveCredential(ctx, s.store, HashToken(token), kind)
	if err != nil {
		return OIDCGrant{}, err
	}
	owner, scopes, ok := parseOIDCVia(c.Via)
	if !ok || (clientID != "" && owner != clientID) {
		return OIDCGrant{}, errInvalidToken
	}
	// A deleted client's tokens die with it.
	if _, err := s.store.ClientByClientID(ctx, owner); err != nil {
		return OIDCGrant{}, refusal(err, errInvalidToken)
	}
	if c.RotatedAt != nil {
		if s.clock().Sub(*c.RotatedAt) > RefreshGrace {
			if err := s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.RevokeSession(ctx, sess.ID, s.clock()) }); err != nil {
				return OIDCGrant{}, err
			}
		}
		return OIDCGrant{}, errInvalidToken
	}
	m, sess, err := s.authenticateSession(ctx, sess)
	if err != nil {
		return OIDCGrant{}, errInvalidToken
	}
	return OIDCGrant{ClientID: owner, Scopes: scopes, Member: m, Session: sess, IssuedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}, nil
}

// userScopes are about a member: a machine client's own token
// (client_credentials) never carries them.
var userScopes = []string{"openid", "profile", "email", "offline_access"}

// OIDCClientToken issues a confidential client its own access token
// (client_credentials; the caller authenticated it with
// AuthenticateClient): no member, no session, OIDCAccessTTL, only the
// requested scopes that are not about a member. Public clients get none.
func (s *Service) OIDCClientToken(ctx context.Context, clientID string, scopes []string) (Tokens, []string, error) {
	c, err := s.Client(ctx, clientID)
	if isNotFound(err) || (err == nil && c.Public) {
		return Tokens{}, nil, errInvalidClient
	}
	if err != nil {
		return Tokens{}, nil, err
	}
	kept := []string{}
	for _, sc := range scopes {
		if !slices.Contains(userScopes, sc) && !slices.Contains(kept, sc) {
			kept = append(kept, sc)
		}
	}
	var t Tokens
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredClient, oidcVia(clientID, kept), Session{}, OIDCAccessTTL, "")
		return err
	})
	return t, kept, err
}

// OIDCClientGrant resolves a live client_credentials token of the client
// (introspection): errInvalidToken for anything else.
func (s *Service) OIDCClientGrant(ctx context.Context, token, clientID string) (OIDCGrant, error) {
	if token == "" || len(token) > maxTokenLen {
		return OIDCGrant{}, errInvalidToken
	}
	c, err := s.store.CredentialByHash(ctx, HashToken(token))
	if isNotFound(err) || (err == nil && (c.Kind != CredClient || c.RevokedAt != nil || !s.clock().Before(c.ExpiresAt))) {
		return OIDCGrant{}, errInvalidToken
	}
	if err != nil {
		return OIDCGrant{}, err
	}
	owner, scopes, ok := parseOIDCVia(c.Via)
	if !ok || owner != clientID {
		return OIDCGrant{}, errInvalidToken
	}
	if _, err := s.store.ClientByClientID(ctx, owner); err != nil {
		return OIDCGrant{}, refusal(err, errInvalidToken)
	}
	return OIDCGrant{ClientID: owner, Scopes: scopes, IssuedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}, nil
}

// OIDCRotate exchanges the client's refresh token for a new refresh token
// and access token with the scopes (at most the original ones). A token
// rotated already (a lost race or a replay) is refused.
func (s *Service) OIDCRotate(ctx context.Context, clientID, refresh string, scopes []string) (Tokens, error) {
	g, err := s.OIDCToken(ctx, refresh, CredRefresh, clientID)
	if err != nil {
		return Tokens{}, err
	}
	for _, sc := range scopes {
		if !slices.Contains(g.Scopes, sc) {
			return Tokens{}, errInvalidToken
		}
	}
	if len(scopes) == 0 {
		scopes = g.Scopes
	}
	hash := HashToken(refresh)
	var t Tokens
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		now := s.clock()
		via := oidcVia(clientID, scopes)
		next, nextExp, err := s.mint(ctx, tx, CredRefresh, via, g.Session, OIDCRefreshTTL, hash)
		if err != nil {
			return err
		}
		if err := tx.RotateCredential(ctx, hash, now, next); err != nil {
			return refusal(err, errInvalidToken)
		}
		if err := tx.TouchSession(ctx, g.Session.ID, now); err != nil {
			return err
		}
		t = Tokens{Session: g.Session, Refresh: next, RefreshExpires: nextExp}
		t.Access, t.AccessExpires, err = s.mint(ctx, tx, CredAccess, via, g.Session, OIDCAccessTTL, HashToken(next))
		return err
	})
	return t, err
}

// OIDCSigningKey is the current id_token signing key (created at first
// use): the OpenID Provider signs with the same keys as every other
// id_token, published at /.well-known/jwks.json. Only the provider's
// signer may hold it.
func (s *Service) OIDCSigningKey(ctx context.Context) (SigningKey, error) {
	return s.signingKey(ctx)
}

// OIDCPublicKeys are the keys that verify id_tokens (as JWKS serves them).
func (s *Service) OIDCPublicKeys(ctx context.Context) ([]SigningKey, error) {
	keys, err := s.publicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SigningKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, SigningKey{KID: k.KID, Public: k.Public, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt})
	}
	return out, nil
}

// OIDCEndSession is RP-initiated logout: the id_token_hint the provider
// verified names the member and the Gatehouse session (sid); that session
// ends, with every token issued on it. A session of another member, or
// one that ended already, is left alone (not an error: the logout is
// done either way).
func (s *Service) OIDCEndSession(ctx context.Context, memberID, sessionID int64) error {
	sess, err := s.store.SessionByID(ctx, sessionID)
	if isNotFound(err) || (err == nil && (sess.MemberID != memberID || sess.RevokedAt != nil)) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.Logout(ctx, sess.ID)
}

// OIDCRevoke revokes one token of the client (RFC 7009): unknown tokens,
// tokens of other clients and malformed ones are not an error. The
// Gatehouse session stays; access tokens minted from a revoked refresh
// token live out their short OIDCAccessTTL.
func (s *Service) OIDCRevoke(ctx context.Context, clientID, token string) error {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	c, err := s.store.CredentialByHash(ctx, HashToken(token))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	owner, _, ok := parseOIDCVia(c.Via)
	if !ok || owner != clientID || c.RevokedAt != nil {
		return nil
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error { return tx.RevokeCredential(ctx, c.Hash, s.clock()) })
}

// OIDCMember is the member an id_token is about: active, or
// errInvalidToken.
func (s *Service) OIDCMember(ctx context.Context, memberID int64) (Member, error) {
	return s.activeMember(ctx, s.store, memberID)
}
