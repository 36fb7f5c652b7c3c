// Package oidcop adapts Gatehouse to the OpenID Provider of
// github.com/zitadel/oidc/v3 (docs/decisions.md, "Sign in with
// Gatehouse"): the library speaks the protocol, and every decision is an
// internal/auth use case this storage calls.
package oidcop

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"gatehouse/internal/auth"
)

// metaKey carries the caller's auth.ClientMeta in the request context (the
// web layer sets it before the library's handler runs).
type metaKey struct{}

// MetaKey is the context key of the auth.ClientMeta of a request.
var MetaKey = metaKey{}

func metaOf(ctx context.Context) auth.ClientMeta {
	m, _ := ctx.Value(MetaKey).(auth.ClientMeta)
	return m
}

// storage implements op.Storage over auth.Service.
type storage struct {
	svc      *auth.Service
	loginURL func(id string) string
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
)

// fail maps an error of a use case: a refusal (an *auth.Error) stays a
// plain error, which the library answers with the protocol's error; any
// other failure is the library's server_error.
func fail(err error) error {
	if err == nil || auth.AsError(err) != nil {
		return err
	}
	return oidc.ErrServerError().WithParent(err)
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.svc.Client(ctx, clientID)
	if err != nil {
		return nil, fail(err)
	}
	return client{c: c, loginURL: s.loginURL}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.svc.AuthenticateClient(ctx, clientID, secret, metaOf(ctx))
	return fail(err)
}

// CreateAuthRequest stores the request after the use case's checks
// (redirect URI, the PKCE policy); a refusal goes back to the client's
// redirect URI as invalid_request.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r, err := s.svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		CodeChallenge: req.CodeChallenge, CodeMethod: string(req.CodeChallengeMethod), Request: string(body)})
	if e := auth.AsError(err); e != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("%s", e.Message)
	}
	if err != nil {
		return nil, fail(err)
	}
	return decodeRequest(r)
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.svc.OIDCRequest(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	return decodeRequest(r)
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.svc.OIDCRequestByCode(ctx, code)
	if err != nil {
		return nil, fail(err)
	}
	return decodeRequest(r)
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return fail(s.svc.SetOIDCCode(ctx, id, code))
}

// DeleteAuthRequest marks the request used: its code is single use.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return fail(s.svc.UseOIDCRequest(ctx, id))
}

// ClientCredentials authenticates a machine client (client_credentials).
func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	c, err := s.svc.AuthenticateClient(ctx, clientID, secret, metaOf(ctx))
	if err != nil {
		return nil, fail(err)
	}
	return client{c: c, loginURL: s.loginURL}, nil
}

// ClientCredentialsTokenRequest is the client's own token request.
func (s *storage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	return &clientRequest{clientID: clientID, scopes: scopes}, nil
}

// clientRequest is a client_credentials token request: the client is its
// own subject.
type clientRequest struct {
	clientID string
	scopes   []string
}

func (r *clientRequest) GetSubject() string    { return r.clientID }
func (r *clientRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientRequest) GetScopes() []string   { return r.scopes }

// CreateAccessToken issues an access token (no refresh token) for a
// signed-in request, or a machine client's own token; the token id the
// library wraps is the token itself.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	if cr, ok := req.(*clientRequest); ok {
		t, kept, err := s.svc.OIDCClientToken(ctx, cr.clientID, cr.scopes)
		if err != nil {
			return "", time.Time{}, fail(err)
		}
		cr.scopes = kept
		return t.Access, t.AccessExpires, nil
	}
	a, ok := req.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	t, err := s.svc.OIDCIssue(ctx, a.r.ClientID, a.r.SessionID, a.GetScopes(), false)
	if err != nil {
		return "", time.Time{}, fail(err)
	}
	return t.Access, t.AccessExpires, nil
}

// CreateAccessAndRefreshTokens issues both for a code exchange, or
// rotates the refresh token for a refresh.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	var (
		t   auth.Tokens
		err error
	)
	switch r := req.(type) {
	case *authRequest:
		t, err = s.svc.OIDCIssue(ctx, r.r.ClientID, r.r.SessionID, r.GetScopes(), true)
	case *refreshRequest:
		t, err = s.svc.OIDCRotate(ctx, r.g.ClientID, current, r.scopes)
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	if err != nil {
		return "", "", time.Time{}, fail(err)
	}
	return t.Access, t.Refresh, t.AccessExpires, nil
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, refresh string) (op.RefreshTokenRequest, error) {
	g, err := s.svc.OIDCToken(ctx, refresh, auth.CredRefresh, "")
	if err != nil {
		return nil, fail(err)
	}
	return &refreshRequest{g: g, scopes: g.Scopes}, nil
}

// TerminateSession is not reached: TerminateSessionFromRequest is.
func (s *storage) TerminateSession(context.Context, string, string) error {
	return oidc.ErrInvalidRequest().WithDescription("id_token_hint is required")
}

// TerminateSessionFromRequest ends the Gatehouse session the verified
// id_token_hint names (sid), and with it every token issued on it. Without
// a hint nothing says which session is meant: refused.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if req.IDTokenHintClaims == nil {
		return "", oidc.ErrInvalidRequest().WithDescription("id_token_hint is required")
	}
	member, err1 := strconv.ParseInt(req.UserID, 10, 64)
	sid, err2 := strconv.ParseInt(req.IDTokenHintClaims.SessionID, 10, 64)
	if err1 != nil || err2 != nil {
		return "", oidc.ErrInvalidRequest().WithDescription("id_token_hint is not one of this provider's")
	}
	if err := s.svc.OIDCEndSession(ctx, member, sid); err != nil {
		return "", fail(err)
	}
	return req.RedirectURI, nil
}

func (s *storage) RevokeToken(ctx context.Context, token, _, clientID string) *oidc.Error {
	if err := s.svc.OIDCRevoke(ctx, clientID, token); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	g, err := s.svc.OIDCToken(ctx, token, auth.CredRefresh, clientID)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return strconv.FormatInt(g.Member.ID, 10), token, nil
}

// SigningKey is the current key of the id_tokens Gatehouse already signs.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := s.svc.OIDCSigningKey(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{kid: k.KID, priv: ed25519.NewKeyFromSeed(k.Private)}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.EdDSA}, nil
}

// KeySet is /.well-known/jwks.json's keys.
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.svc.OIDCPublicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, publicKey{kid: k.KID, pub: ed25519.PublicKey(k.Public)})
	}
	return out, nil
}

// SetUserinfoFromScopes is deprecated in the library (empty by its docs).
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the id_token's claims for the scopes.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	id, err := strconv.ParseInt(req.GetSubject(), 10, 64)
	if err != nil {
		return oidc.ErrInvalidRequest()
	}
	m, err := s.svc.OIDCMember(ctx, id)
	if err != nil {
		return fail(err)
	}
	fillUserinfo(ui, m, scopes)
	if sid := sessionOf(req); sid != 0 {
		ui.AppendClaims("sid", strconv.FormatInt(sid, 10))
	}
	return nil
}

// sessionOf is the Gatehouse session an id_token is issued on (its sid,
// which end_session takes back).
func sessionOf(req op.IDTokenRequest) int64 {
	switch r := req.(type) {
	case *authRequest:
		return r.r.SessionID
	case *refreshRequest:
		return r.g.Session.ID
	}
	return 0
}

// SetUserinfoFromToken answers the userinfo endpoint for a live access
// token of the subject.
func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	g, err := s.svc.OIDCToken(ctx, tokenID, auth.CredAccess, "")
	if err != nil {
		return fail(err)
	}
	if strconv.FormatInt(g.Member.ID, 10) != subject {
		return oidc.ErrAccessDenied()
	}
	fillUserinfo(ui, g.Member, g.Scopes)
	return nil
}

// SetIntrospectionFromToken answers RFC 7662 for the client's own access
// tokens; any other token is inactive.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if subject == clientID {
		if g, err := s.svc.OIDCClientGrant(ctx, tokenID, clientID); err == nil {
			in.Scope, in.ClientID, in.TokenType, in.Subject = g.Scopes, g.ClientID, oidc.BearerToken, g.ClientID
			in.Expiration, in.IssuedAt, in.Audience = oidc.FromTime(g.ExpiresAt), oidc.FromTime(g.IssuedAt), []string{g.ClientID}
			return nil
		}
	}
	g, err := s.svc.OIDCToken(ctx, tokenID, auth.CredAccess, clientID)
	if err != nil || strconv.FormatInt(g.Member.ID, 10) != subject {
		return errors.New("token is not active")
	}
	ui := new(oidc.UserInfo)
	fillUserinfo(ui, g.Member, g.Scopes)
	in.SetUserInfo(ui)
	in.Scope = g.Scopes
	in.ClientID = g.ClientID
	in.TokenType = oidc.BearerToken
	in.Expiration = oidc.FromTime(g.ExpiresAt)
	in.IssuedAt = oidc.FromTime(g.IssuedAt)
	in.AuthTime = oidc.FromTime(g.Session.CreatedAt)
	in.Subject = subject
	in.Audience = []string{g.ClientID}
	in.Username = g.Member.Username
	if g.Session.ActorID != 0 {
		in.Actor = &oidc.ActorClaims{Subject: strconv.FormatInt(g.Session.ActorID, 10)}
	}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID: JWT profile grants and private_key_jwt are not
// supported.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("client keys are not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// fillUserinfo sets the claims the scopes allow.
func fillUserinfo(ui *oidc.UserInfo, m auth.Member, scopes []string) {
	ui.Subject = strconv.FormatInt(m.ID, 10)
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			ui.Email = m.Email
			ui.EmailVerified = oidc.Bool(m.EmailVerified)
		case oidc.ScopeProfile:
			ui.PreferredUsername = m.Username
			ui.Name = m.DisplayName()
			ui.GivenName = m.FirstName
			ui.FamilyName = m.LastName
			ui.UpdatedAt = oidc.FromTime(m.UpdatedAt)
		}
	}
}

// signingKey and publicKey are a Gatehouse Ed25519 key as the library
// signs and publishes it.
type signingKey struct {
	kid  string
	priv ed25519.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.EdDSA }
func (k signingKey) Key() any                                    { return k.priv }
func (k signingKey) ID() string                                  { return k.kid }

type publicKey struct {
	kid string
	pub ed25519.PublicKey
}

func (k publicKey) ID() string                         { return k.kid }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.EdDSA }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.pub }
