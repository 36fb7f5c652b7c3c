package oidcop

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"gatehouse/internal/auth"
)

// authRequest is an auth.OIDCRequest as the op package sees it; p holds
// the /authorize parameters (stored as JSON in auth.OIDCRequest.Request).
type authRequest struct {
	r auth.OIDCRequest
	p oidc.AuthRequest
}

var (
	_ op.AuthRequest       = (*authRequest)(nil)
	_ op.TokenActorRequest = (*authRequest)(nil)
)

func decodeRequest(r auth.OIDCRequest) (*authRequest, error) {
	a := &authRequest{r: r}
	if err := json.Unmarshal([]byte(r.Request), &a.p); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *authRequest) GetID() string { return a.r.ID }

// GetACR: the session passed a second factor, or not (docs/decisions.md,
// "Sign in with Gatehouse").
func (a *authRequest) GetACR() string {
	if a.r.MFA {
		return acrMFA
	}
	return acrPassword
}

// GetAMR names the methods the session used (RFC 8176).
func (a *authRequest) GetAMR() []string { return amrOf(a.r.AMR, a.r.MFA) }

// amrOf is the recorded methods, with "mfa" when a second factor was
// passed (a passkey counts as one). A session that recorded none (a
// social sign-in, or one opened before methods were recorded) says only
// "mfa" if anything.
func amrOf(methods []string, mfa bool) []string {
	out := append([]string(nil), methods...)
	if mfa {
		out = append(out, "mfa")
	}
	return out
}

func (a *authRequest) GetAudience() []string { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time {
	if a.r.AuthTime == nil {
		return time.Time{}
	}
	return *a.r.AuthTime
}
func (a *authRequest) GetClientID() string { return a.r.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.p.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.p.CodeChallenge, Method: a.p.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.p.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.p.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.p.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.p.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.p.Scopes }
func (a *authRequest) GetState() string                   { return a.p.State }
func (a *authRequest) GetSubject() string {
	if a.r.MemberID == 0 {
		return ""
	}
	return strconv.FormatInt(a.r.MemberID, 10)
}
func (a *authRequest) Done() bool { return a.r.SessionID != 0 && a.r.MemberID != 0 }

// GetActor is the RFC 8693 act claim of a sign-in from a proxy session.
func (a *authRequest) GetActor() *oidc.ActorClaims {
	if a.r.ActorID == 0 {
		return nil
	}
	return &oidc.ActorClaims{Subject: strconv.FormatInt(a.r.ActorID, 10)}
}

// acr values: a password (or passkey) alone, or with a second factor.
const (
	acrPassword = "gatehouse:1fa"
	acrMFA      = "gatehouse:2fa"
)

// refreshRequest is a refresh token's grant as the op package sees it.
type refreshRequest struct {
	g      auth.OIDCGrant
	scopes []string
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string                 { return amrOf(r.g.Session.AMR, r.g.Session.MFA) }
func (r *refreshRequest) GetAudience() []string            { return []string{r.g.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.g.Session.CreatedAt }
func (r *refreshRequest) GetClientID() string              { return r.g.ClientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return strconv.FormatInt(r.g.Member.ID, 10) }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }

// GetActor keeps the act claim on id_tokens minted by a refresh.
func (r *refreshRequest) GetActor() *oidc.ActorClaims {
	if r.g.Session.ActorID == 0 {
		return nil
	}
	return &oidc.ActorClaims{Subject: strconv.FormatInt(r.g.Session.ActorID, 10)}
}

// Prompt is what a stored request asks of its sign-in step: prompt=none,
// prompt=login, max_age (-1: none), and where and with which state an
// error goes back (the redirect URI was checked at /authorize).
type Prompt struct {
	None, Login        bool
	MaxAge             int64
	Scopes             []string
	RedirectURI, State string
}

// PromptOf reads the Prompt of a stored request.
func PromptOf(r auth.OIDCRequest) (Prompt, error) {
	a, err := decodeRequest(r)
	if err != nil {
		return Prompt{}, err
	}
	p := Prompt{MaxAge: -1, Scopes: a.p.Scopes, RedirectURI: a.p.RedirectURI, State: a.p.State}
	for _, v := range a.p.Prompt {
		switch v {
		case oidc.PromptNone:
			p.None = true
		case oidc.PromptLogin:
			p.Login = true
		}
	}
	if a.p.MaxAge != nil {
		p.MaxAge = int64(*a.p.MaxAge)
	}
	return p, nil
}

// ErrorURL is the redirect URI with an OAuth error and the state.
func (p Prompt) ErrorURL(code string) string {
	u, err := url.Parse(p.RedirectURI)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("error", code)
	if p.State != "" {
		q.Set("state", p.State)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
