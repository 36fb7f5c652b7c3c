package oidcop

import (
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"gatehouse/internal/auth"
)

// client is an auth.Client as the op package sees it: the authorization
// code flow (with refresh tokens), secrets by HTTP Basic or form post for
// confidential clients, none (and PKCE) for public ones.
type client struct {
	c        auth.Client
	loginURL func(id string) string
}

var _ op.Client = client{}

func (c client) GetID() string                    { return c.c.ClientID }
func (c client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return c.c.RedirectURIs }
func (c client) ApplicationType() op.ApplicationType {
	if c.c.Public {
		// The library's rules for public apps (RFC 8252: loopback http
		// redirect URIs); auth.StartOIDCRequest still demands the exact
		// registered URI.
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	if c.c.Public {
		return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	}
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
}
func (c client) LoginURL(id string) string            { return c.loginURL(id) }
func (c client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration       { return idTokenLifetime }
func (c client) DevMode() bool                        { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }
func (c client) IsScopeAllowed(scope string) bool     { return false }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// idTokenLifetime is short: an id_token proves a sign-in, it is not an API
// credential.
const idTokenLifetime = 5 * time.Minute
