// Package provider is the client side of social sign-in shared by the
// directus routes and the pages: the authorize URL (x/oauth2, PKCE S256,
// nonce for openid) and the code exchange with the verification of who
// signed in (go-oidc for openid, PROFILE_URL for oauth2). Which member that
// is, and what may be linked or created, is decided in internal/auth.
package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

// Down is the error of a provider that cannot be reached or answers
// nonsense (doors answer 503).
type Down struct{ label string }

func (e *Down) Error() string {
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
		return nil, &Down{p.Label}
	}
	discovered.Store(p.IssuerURL, op)
	return op, nil
}

// Refused is the error of a sign-in the provider's answer does not allow
// (a refused code, a bad id_token or nonce); its text says what happened.
type Refused struct{ msg string }

func (e *Refused) Error() string { return e.msg }

func refused(msg string) error { return &Refused{msg} }

// Start is one sign-in in progress: what the door keeps (in a cookie or
// its session) between the redirect and the callback.
type Start struct {
	State    string
	Verifier string
	Nonce    string // openid only
}

// AuthURL returns the provider's authorize URL for a new sign-in whose
// callback is redirectURL, and the Start to keep.
func AuthURL(ctx context.Context, p api.OAuthProvider, redirectURL string) (string, Start, error) {
	cfg, op, err := config(ctx, p, redirectURL)
	if err != nil {
		return "", Start{}, err
	}
	st := Start{State: random(), Verifier: oauth2.GenerateVerifier()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier)}
	if op != nil {
		st.Nonce = random()
		opts = append(opts, oauth2.SetAuthURLParam("nonce", st.Nonce))
	}
	return cfg.AuthCodeURL(st.State, opts...), st, nil
}

// random returns 32 random bytes, base64url encoded.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// config is p as an x/oauth2 client with the door's callback.
func config(ctx context.Context, p api.OAuthProvider, redirectURL string) (*oauth2.Config, *oidc.Provider, error) {
	cfg := &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURL: redirectURL,
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

// Account exchanges the code (with the PKCE verifier of st) and reads who
// signed in: for openid from the id_token, whose signature, issuer,
// audience, expiry and nonce are checked; for oauth2 from PROFILE_URL.
func Account(ctx context.Context, p api.OAuthProvider, redirectURL, code string, st Start) (auth.ExternalAccount, error) {
	cfg, op, err := config(ctx, p, redirectURL)
	if err != nil {
		return auth.ExternalAccount{}, err
	}
	cctx, cancel := providerCtx(ctx)
	defer cancel()
	tok, err := cfg.Exchange(cctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return auth.ExternalAccount{}, refused("The provider refused the sign-in code (" + re.ErrorCode + "); start the sign-in again.")
		}
		return auth.ExternalAccount{}, &Down{p.Label}
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
		return auth.ExternalAccount{}, refused("The provider sent no id_token.")
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(ctx, raw)
	if err != nil {
		return auth.ExternalAccount{}, refused("The provider's id_token is not valid: " + err.Error())
	}
	if nonce == "" || idt.Nonce != nonce {
		return auth.ExternalAccount{}, refused("The id_token's nonce does not match this sign-in; start the sign-in again.")
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&c); err != nil {
		return auth.ExternalAccount{}, refused("The provider's id_token claims are malformed.")
	}
	return auth.ExternalAccount{Provider: p.Name, Subject: idt.Subject, Email: c.Email, EmailVerified: truthy(c.EmailVerified), Name: c.Name}, nil
}

// profileAccount reads PROFILE_URL of an oauth2 provider; the account is
// named by IDENTIFIER_KEY (default email).
func profileAccount(ctx context.Context, p api.OAuthProvider, tok *oauth2.Token) (auth.ExternalAccount, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.ProfileURL, nil)
	if err != nil {
		return auth.ExternalAccount{}, &Down{p.Label}
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := providerHTTP.Do(req)
	if err != nil {
		return auth.ExternalAccount{}, &Down{p.Label}
	}
	defer resp.Body.Close()
	var prof map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&prof) != nil {
		return auth.ExternalAccount{}, &Down{p.Label}
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
