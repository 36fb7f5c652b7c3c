package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcEnv starts the real binary with a member and two clients (one
// confidential, one public) registered through the real CLI.
type oidcEnv struct {
	s        *server
	memberID int64
	conf     clientJSON // confidential
	pub      clientJSON // public
	third    clientJSON // confidential, not first-party: asks for consent
	redirect string
	provider *oidc.Provider
}

const oidcRedirect = "http://127.0.0.1:9/cb" // never contacted: the tests read Location

func newOIDCEnv(t *testing.T) *oidcEnv {
	t.Helper()
	addr := freeAddr(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": "http://" + addr}
	o := &oidcEnv{redirect: oidcRedirect}
	o.memberID = createMember(t, e, "--email", "ada@example.com", "--password", strongPassword, "--name", "Ada Lovelace", "--username", "ada")
	for _, c := range []struct {
		into *clientJSON
		args []string
	}{{&o.conf, []string{"--first-party"}}, {&o.pub, []string{"--public", "--first-party"}}, {&o.third, nil}} {
		out, stderr, err := runBinary(t, e, append([]string{"client", "create", "--name", "Wiki", "--redirect-uri", oidcRedirect, "--json"}, c.args...)...)
		if err != nil || json.Unmarshal([]byte(out), c.into) != nil {
			t.Fatalf("client create: %v\n%s\n%s", err, out, stderr)
		}
	}
	o.s = startServer(t, e)
	var err error
	if o.provider, err = oidc.NewProvider(context.Background(), o.s.base); err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	return o
}

func (o *oidcEnv) config(c clientJSON) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: o.provider.Endpoint(), RedirectURL: o.redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}}
}

func randomString(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// follow fetches u with the browser and follows redirects inside
// Gatehouse until one leaves for the relying party's redirect URI (whose
// URL is returned) or a page answers (status and body returned, no URL).
func (o *oidcEnv) follow(t *testing.T, browser *http.Client, u string) (*url.URL, int, string) {
	t.Helper()
	for i := 0; i < 10; i++ {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		var body strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			body.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return nil, resp.StatusCode, body.String()
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatalf("bad Location %q", resp.Header.Get("Location"))
		}
		if strings.HasPrefix(loc.String(), o.redirect) {
			return loc, resp.StatusCode, ""
		}
		if loc.Host != resp.Request.URL.Host {
			t.Fatalf("redirected off-site to %s", loc)
		}
		u = loc.String()
	}
	t.Fatalf("too many redirects from %s", u)
	return nil, 0, ""
}

// signIn signs the browser in at Gatehouse through the login form.
func (o *oidcEnv) signIn(t *testing.T, browser *http.Client) {
	t.Helper()
	resp, body := login(t, browser, o.s.base, "ada@example.com", strongPassword)
	wantRedirect(t, resp, body, "/account")
}

// TestOIDCRelyingParty runs the authorization code flow with go-oidc and
// x/oauth2 against the real binary: PKCE S256, state, nonce, the login
// form on the way, id_token verification with the shared keys, userinfo,
// refresh with rotation (the old refresh token is refused), and a logout
// at Gatehouse ending the tokens it issued.
func TestOIDCRelyingParty(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	conf := o.config(o.conf)
	verifier, state, nonce := oauth2.GenerateVerifier(), randomString(t), randomString(t)
	authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))

	browser := newClient(t)
	// Not signed in: /authorize leads to the login form.
	back, status, body := o.follow(t, browser, authURL)
	if back != nil || status != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Fatalf("signed out /authorize: %v %d\n%s", back, status, body)
	}
	o.signIn(t, browser)
	// Signing in ends on /account, which sends the browser back to the request.
	back, status, body = o.follow(t, browser, o.s.base+"/account")
	if back == nil {
		t.Fatalf("after sign-in: %d\n%s", status, body)
	}
	if back.Query().Get("state") != state || back.Query().Get("code") == "" {
		t.Fatalf("callback %s", back)
	}
	code := back.Query().Get("code")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := o.provider.Verifier(&oidc.Config{ClientID: o.conf.ClientID}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	var claims struct {
		Email string   `json:"email"`
		AMR   []string `json:"amr"`
		Act   any      `json:"act"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || idt.Subject != strconv.FormatInt(o.memberID, 10) || idt.Issuer != o.s.base || len(claims.AMR) != 1 || claims.AMR[0] != "pwd" || claims.Act != nil {
		t.Fatalf("id_token claims: nonce %q sub %q iss %q %+v", idt.Nonce, idt.Subject, idt.Issuer, claims)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	// The id_token is signed with a key of /.well-known/jwks.json.
	_, jwks := get(t, newClient(t), o.s.base+"/.well-known/jwks.json")
	var kid struct {
		Header struct {
			Kid string `json:"kid"`
		}
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(rawID, ".")[0])
	if json.Unmarshal(hdr, &kid.Header) != nil || kid.Header.Kid == "" || !strings.Contains(jwks, `"kid":"`+kid.Header.Kid+`"`) {
		t.Errorf("id_token kid %q not in jwks %s", kid.Header.Kid, jwks)
	}

	ui, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || ui.Email != "ada@example.com" || ui.Subject != idt.Subject {
		t.Fatalf("userinfo: %+v, %v", ui, err)
	}
	// The code is single use.
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Errorf("replayed code: %v, want invalid_grant", err)
	}

	// Refresh rotates: a new refresh token, and the old one is refused.
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	next, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %+v, %v", next, err)
	}
	if _, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(next)); err != nil {
		t.Fatalf("userinfo with the refreshed token: %v", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("old refresh token: %v, want invalid_grant", err)
	}

	// Logging out at Gatehouse ends the tokens issued on that session.
	token := csrfFrom(t, browser, o.s.base+"/account")
	resp, body := postForm(t, browser, o.s.base+"/logout", url.Values{"_csrf": {token}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d\n%s", resp.StatusCode, body)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: next.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("refresh after logout: %v, want invalid_grant", err)
	}
	if _, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(next)); err == nil {
		t.Error("userinfo after logout succeeded")
	}
}

// TestOIDCSignedInGoesStraightBack: a browser signed in at Gatehouse gets
// the code without seeing a page; a public client uses PKCE and no secret.
func TestOIDCSignedInGoesStraightBack(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	browser := newClient(t)
	o.signIn(t, browser)
	conf := o.config(o.pub)
	verifier, state := oauth2.GenerateVerifier(), randomString(t)
	back, status, body := o.follow(t, browser, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if back == nil || back.Query().Get("state") != state {
		t.Fatalf("signed in /authorize: %v %d\n%s", back, status, body)
	}
	if _, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); !isOAuthError(err, "invalid_grant") {
		t.Errorf("wrong PKCE verifier: %v, want invalid_grant", err)
	}
	// The request was used up by the failed exchange? No: a wrong verifier
	// leaves it; the right one still works once.
	back, _, _ = o.follow(t, browser, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if _, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("public client exchange: %v", err)
	}
}

// TestOIDCBadInput: unknown client and unregistered redirect URI get an
// error page (never a redirect to the given URI); a public client without
// PKCE, or with the plain method, gets invalid_request on its redirect
// URI; unknown sign-in requests are a 404 page; a wrong client secret is
// invalid_client; nothing answers 500.
func TestOIDCBadInput(t *testing.T) {
	o := newOIDCEnv(t)
	browser := newClient(t)
	o.signIn(t, browser)
	authorize := func(v url.Values) string { return o.s.base + "/authorize?" + v.Encode() }
	base := func(c clientJSON) url.Values {
		return url.Values{"client_id": {c.ClientID}, "redirect_uri": {oidcRedirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s1"}}
	}
	for name, v := range map[string]url.Values{
		"unknown client":        {"client_id": {"nobody"}, "redirect_uri": {oidcRedirect}, "response_type": {"code"}, "scope": {"openid"}},
		"unregistered redirect": {"client_id": {o.conf.ClientID}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}, "scope": {"openid"}},
	} {
		resp, err := browser.Get(authorize(v))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 || (resp.StatusCode >= 300 && resp.StatusCode < 400 && strings.Contains(resp.Header.Get("Location"), "evil.example")) {
			t.Errorf("%s: %d Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && !strings.HasPrefix(resp.Header.Get("Location"), "/") {
			t.Errorf("%s: redirected off-site to %q", name, resp.Header.Get("Location"))
		}
	}
	noPKCE := base(o.pub)
	plain := base(o.pub)
	plain.Set("code_challenge", "abcdefghijabcdefghijabcdefghijabcdefghij123")
	plain.Set("code_challenge_method", "plain")
	for name, v := range map[string]url.Values{"public client without PKCE": noPKCE, "plain PKCE": plain} {
		back, status, body := o.follow(t, browser, authorize(v))
		if back == nil || back.Query().Get("error") != "invalid_request" || back.Query().Get("state") != "s1" {
			t.Errorf("%s: %v %d %s", name, back, status, body)
		}
	}
	for _, path := range []string{"/authorize/continue?id=bogus", "/authorize/continue", "/authorize/callback?id=bogus"} {
		resp, err := browser.Get(o.s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 || (resp.StatusCode >= 300 && resp.StatusCode < 400) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	bad := o.config(o.conf)
	bad.ClientSecret = "wrong"
	verifier := oauth2.GenerateVerifier()
	back, _, _ := o.follow(t, browser, bad.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	if back == nil {
		t.Fatal("no code")
	}
	if _, err := bad.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_client") {
		t.Errorf("wrong secret: %v, want invalid_client", err)
	}
	// A token request that is not form data is an error, not a 500.
	resp, err := http.Post(o.s.base+"/oauth/token", "application/json", strings.NewReader(`{"grant_type":"authorization_code"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("JSON token request: %d", resp.StatusCode)
	}
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}
