package directus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// providerTimeout bounds every call to a provider (discovery, token
// exchange, profile).
const providerTimeout = 10 * time.Second

// providerHTTP is the client for provider calls: bounded, and never
// following a redirect to somewhere else with the token.
var providerHTTP = &http.Client{Timeout: providerTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// discovered caches the OpenID discovery of each openid provider (by
// issuer); a failed discovery is not cached, so the next sign-in retries.
var discovered sync.Map // issuer → *oidc.Provider

// errProviderDown is the answer when the provider cannot be reached or
// answers nonsense: 503, nothing written.
type providerDown struct{ label string }

func (e *providerDown) Error() string {
	return "The sign-in provider " + e.label + " could not be reached or gave an unusable answer; try again later."
}

func providerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, providerTimeout)
	return oidc.ClientContext(ctx, providerHTTP), cancel
}

// oidcProvider returns the discovered OpenID provider of p.
func oidcProvider(ctx context.Context, p api.OAuthProvider) (*oidc.Provider, error) {
	if v, ok := discovered.Load(p.IssuerURL); ok {
		return v.(*oidc.Provider), nil
	}
	ctx, cancel := providerCtx(ctx)
	defer cancel()
	op, err := oidc.NewProvider(ctx, p.IssuerURL)
	if err != nil {
		return nil, &providerDown{p.Label}
	}
	discovered.Store(p.IssuerURL, op)
	return op, nil
}

// oauthConfig is p as an x/oauth2 client with Gatehouse's callback.
func oauthConfig(ctx context.Context, d api.Deps, p api.OAuthProvider) (*oauth2.Config, *oidc.Provider, error) {
	cfg := &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: strings.TrimRight(d.Config.BaseURL, "/") + callbackPath(p),
		Scopes:      strings.Fields(p.Scope),
		Endpoint:    oauth2.Endpoint{AuthURL: p.AuthorizeURL, TokenURL: p.AccessURL},
	}
	if p.Driver != "openid" {
		return cfg, nil, nil
	}
	op, err := oidcProvider(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	cfg.Endpoint = op.Endpoint()
	return cfg, op, nil
}

// externalAccount exchanges the code (with the PKCE verifier) and reads
// who signed in: for openid from the id_token, whose signature, issuer,
// audience, expiry and nonce are checked; for oauth2 from PROFILE_URL.
func externalAccount(ctx context.Context, d api.Deps, p api.OAuthProvider, code string, st oauthState) (auth.ExternalAccount, error) {
	cfg, op, err := oauthConfig(ctx, d, p)
	if err != nil {
		return auth.ExternalAccount{}, err
	}
	cctx, cancel := providerCtx(ctx)
	defer cancel()
	tok, err := cfg.Exchange(cctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return auth.ExternalAccount{}, errProvider("The provider refused the sign-in code (" + re.ErrorCode + "); start the sign-in again.")
		}
		return auth.ExternalAccount{}, &providerDown{p.Label}
	}
	if op != nil {
		return idTokenAccount(cctx, p, op, tok, st.Nonce)
	}
	return profileAccount(cctx, p, tok)
}

// idTokenAccount verifies the id_token of an openid provider.
func idTokenAccount(ctx context.Context, p api.OAuthProvider, op *oidc.Provider, tok *oauth2.Token, nonce string) (auth.ExternalAccount, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return auth.ExternalAccount{}, errProvider("The provider sent no id_token.")
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(ctx, raw)
	if err != nil {
		return auth.ExternalAccount{}, errProvider("The provider's id_token is not valid: " + err.Error())
	}
	if nonce == "" || idt.Nonce != nonce {
		return auth.ExternalAccount{}, errProvider("The id_token's nonce does not match this sign-in; start the sign-in again.")
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&c); err != nil {
		return auth.ExternalAccount{}, errProvider("The provider's id_token claims are malformed.")
	}
	return auth.ExternalAccount{Provider: p.Name, Subject: idt.Subject, Email: c.Email, EmailVerified: truthy(c.EmailVerified), Name: c.Name}, nil
}

// profileAccount reads PROFILE_URL of an oauth2 provider; the account is
// named by IDENTIFIER_KEY (default email).
func profileAccount(ctx context.Context, p api.OAuthProvider, tok *oauth2.Token) (auth.ExternalAccount, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.ProfileURL, nil)
	if err != nil {
		return auth.ExternalAccount{}, &providerDown{p.Label}
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := providerHTTP.Do(req)
	if err != nil {
		return auth.ExternalAccount{}, &providerDown{p.Label}
	}
	defer resp.Body.Close()
	var prof map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&prof) != nil {
		return auth.ExternalAccount{}, &providerDown{p.Label}
	}
	str := func(k string) string {
		switch v := prof[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprintf("%.0f", v)
		}
		return ""
	}
	return auth.ExternalAccount{Provider: p.Name, Subject: str(p.IdentifierKey), Email: str("email"),
		EmailVerified: truthy(prof["email_verified"]), Name: str("name")}, nil
}

// truthy reads a boolean claim that some providers send as a string.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}
