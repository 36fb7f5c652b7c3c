// Package oidctest is an OpenID provider for tests, running in the test
// process on 127.0.0.1 and built with go-jose: discovery, JWKS, authorize
// (which signs the person in at once as the configured account), token
// (authorization code with PKCE S256, single-use codes, client secret) and
// userinfo. Its fields change what it asserts.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// IdP is one running provider. Set its account fields before a sign-in
// (under Lock when the server may be serving).
type IdP struct {
	t      testing.TB
	srv    *httptest.Server
	key    *rsa.PrivateKey
	Client string // client_id it accepts
	Secret string // client_secret it accepts

	mu       sync.Mutex
	codes    map[string]idpGrant
	Sub      string
	Email    string
	Verified bool
	Name     string
	BadNonce bool // sign id_tokens with another nonce
}

type idpGrant struct {
	redirect, challenge, nonce string
}

// New starts a provider for the test's lifetime, asserting the account
// idp-user-1, nia@example.com (verified), "Nia New".
func New(t testing.TB) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &IdP{t: t, key: key, Client: "gatehouse-client", Secret: "s3cret", codes: map[string]idpGrant{},
		Sub: "idp-user-1", Email: "nia@example.com", Verified: true, Name: "Nia New"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the issuer URL.
func (p *IdP) URL() string { return p.srv.URL }

// Close stops the provider (a provider that is down).
func (p *IdP) Close() { p.srv.Close() }

// Set changes the asserted account.
func (p *IdP) Set(sub, email string, verified bool, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Sub, p.Email, p.Verified, p.Name = sub, email, verified, name
}

// SetBadNonce makes the provider sign id_tokens with another nonce.
func (p *IdP) SetBadNonce(bad bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.BadNonce = bad
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *IdP) discovery(w http.ResponseWriter, _ *http.Request) {
	u := p.srv.URL
	writeJSON(w, 200, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
		"jwks_uri": u + "/jwks", "userinfo_endpoint": u + "/userinfo",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *IdP) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// authorize checks the request like a real provider would and answers
// with a code for the configured account.
func (p *IdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != p.Client || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("redirect_uri") == "" {
		http.Error(w, "bad authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.codes[code] = idpGrant{redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce")}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token redeems a code once, checking the client, the redirect URI and the
// PKCE verifier.
func (p *IdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.Client || secret != p.Secret {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	g, found := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	sub, email, verified, name, badNonce := p.Sub, p.Email, p.Verified, p.Name, p.BadNonce
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
		return
	}
	nonce := g.nonce
	if badNonce {
		nonce = "not-the-nonce"
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		p.t.Error(err)
		return
	}
	now := time.Now()
	idt, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: p.srv.URL, Subject: sub, Audience: jwt.Audience{p.Client},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}).
		Claims(map[string]any{"nonce": nonce, "email": email, "email_verified": verified, "name": name}).Serialize()
	if err != nil {
		p.t.Error(err)
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": "at-" + sub, "token_type": "Bearer", "expires_in": 300, "id_token": idt})
}

// userinfo is the oauth2 driver's PROFILE_URL.
func (p *IdP) userinfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer at-"+p.Sub {
		writeJSON(w, 401, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, 200, map[string]any{"sub": p.Sub, "email": p.Email, "email_verified": p.Verified, "name": p.Name})
}
