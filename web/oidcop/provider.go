package oidcop

import (
	"crypto/sha256"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"gatehouse/internal/auth"
)

// Paths of the provider's endpoints (the issuer has no path).
const (
	PathAuthorize  = "/authorize"
	PathCallback   = "/authorize/callback"
	PathToken      = "/oauth/token"
	PathIntrospect = "/oauth/introspect"
	PathUserinfo   = "/userinfo"
	PathRevoke     = "/revoke"
	PathEndSession = "/end_session"
)

// New builds the provider for issuer (the id_token issuer, an absolute
// URL). loginURL is where the library sends a browser to sign in for the
// request id (a Gatehouse page), which sends it back to PathCallback.
//
// Access tokens are opaque: the library wraps the token's own 256-bit
// secret, which the use cases look up by its hash. The wrapping key is
// therefore not what protects a token, and is derived from the issuer so
// that every node and restart shares it.
func New(svc *auth.Service, issuer string, loginURL func(id string) string) (*op.Provider, error) {
	cfg := &op.Config{
		CryptoKey:             sha256.Sum256([]byte("gatehouse oidc bearer wrapping|" + issuer)),
		CryptoKeyId:           "gatehouse",
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedUILocales:    []language.Tag{language.English},
		// Where end_session goes without a registered post_logout_redirect_uri.
		DefaultLogoutRedirectURI: issuer + "/login?signed_out=1",
	}
	// id_token_hint (end_session) is signed like every Gatehouse id_token.
	opts := []op.Option{op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(string(jose.EdDSA)))}
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	st := &storage{svc: svc, loginURL: loginURL}
	return op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
}
