package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenPost posts a form to an OP endpoint with the client's HTTP Basic
// credentials and returns the status and JSON body.
func (o *oidcEnv) tokenPost(t *testing.T, path string, c clientJSON, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, o.s.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// TestOIDCIntrospectAndRevoke: introspection (RFC 7662) says active with
// the member, client and scopes for the client's own live access token,
// inactive for another client or after revocation (RFC 7009); revoking a
// refresh token stops its refresh; a wrong client secret is 401.
func TestOIDCIntrospectAndRevoke(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	browser := newClient(t)
	o.signIn(t, browser)
	conf := o.config(o.conf)
	verifier := oauth2.GenerateVerifier()
	back, _, _ := o.follow(t, browser, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	status, in := o.tokenPost(t, "/oauth/introspect", o.conf, url.Values{"token": {tok.AccessToken}})
	if status != http.StatusOK || in["active"] != true || in["client_id"] != o.conf.ClientID || in["username"] != "ada" ||
		!strings.Contains(in["scope"].(string), "email") {
		t.Fatalf("introspect: %d %v", status, in)
	}
	if status, in = o.tokenPost(t, "/oauth/introspect", o.third, url.Values{"token": {tok.AccessToken}}); status != http.StatusOK || in["active"] != false {
		t.Errorf("introspect by another client: %d %v", status, in)
	}
	bad := o.conf
	bad.ClientSecret = "wrong"
	if status, _ = o.tokenPost(t, "/oauth/introspect", bad, url.Values{"token": {tok.AccessToken}}); status != http.StatusUnauthorized {
		t.Errorf("introspect with a wrong secret: %d", status)
	}
	if status, _ = o.tokenPost(t, "/revoke", o.conf, url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}); status != http.StatusOK {
		t.Fatalf("revoke access token: %d", status)
	}
	if status, in = o.tokenPost(t, "/oauth/introspect", o.conf, url.Values{"token": {tok.AccessToken}}); in["active"] != false {
		t.Errorf("introspect after revoke: %d %v", status, in)
	}
	if _, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo with a revoked access token")
	}
	// Revoking a refresh token of another client does nothing; the owner's
	// revocation ends it.
	if status, _ = o.tokenPost(t, "/revoke", o.third, url.Values{"token": {tok.RefreshToken}}); status != http.StatusOK {
		t.Errorf("revoke by another client: %d", status)
	}
	next, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after another client's revoke: %v", err)
	}
	if status, _ = o.tokenPost(t, "/revoke", o.conf, url.Values{"token": {next.RefreshToken}, "token_type_hint": {"refresh_token"}}); status != http.StatusOK {
		t.Fatalf("revoke refresh token: %d", status)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: next.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("refresh with a revoked token: %v", err)
	}
	// Unknown tokens are not an error (RFC 7009 §2.2).
	if status, _ = o.tokenPost(t, "/revoke", o.conf, url.Values{"token": {"nonsense"}}); status != http.StatusOK {
		t.Errorf("revoke unknown token: %d", status)
	}
}

// TestOIDCEndSession: RP-initiated logout with the id_token as hint ends
// the Gatehouse session (the browser is signed out, the refresh token
// dies) and goes to the registered post_logout_redirect_uri with the
// state; without a hint, or with another URI, nothing ends.
func TestOIDCEndSession(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	browser := newClient(t)
	o.signIn(t, browser)
	conf := o.config(o.conf)
	verifier := oauth2.GenerateVerifier()
	back, _, _ := o.follow(t, browser, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	endSession := o.provider.Endpoint().AuthURL[:strings.Index(o.provider.Endpoint().AuthURL, "/authorize")] + "/end_session"
	var disc struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_, body := get(t, newClient(t), o.s.base+"/.well-known/openid-configuration")
	if json.Unmarshal([]byte(body), &disc) != nil || disc.EndSession != endSession {
		t.Fatalf("end_session_endpoint %q, want %q", disc.EndSession, endSession)
	}
	for name, q := range map[string]url.Values{
		"no hint":        {"post_logout_redirect_uri": {oidcRedirect}},
		"unregistered":   {"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.example/"}},
		"forged hint":    {"id_token_hint": {idToken[:len(idToken)-4] + "AAAA"}},
		"another client": {"id_token_hint": {idToken}, "client_id": {o.third.ClientID}},
	} {
		resp, err := browser.Get(endSession + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %q, want 400", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatalf("a refused end_session ended the session: %v", err)
	}
	resp, err := newClient(t).Get(endSession + "?" + url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {oidcRedirect}, "state": {"bye"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != oidcRedirect+"?state=bye" {
		t.Fatalf("end_session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := get(t, browser, o.s.base+"/account"); status != http.StatusSeeOther {
		t.Errorf("the browser is still signed in: %d", status)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("refresh after end_session: %v", err)
	}
}

// TestOIDCClientCredentials: a confidential client gets its own token with
// x/oauth2's clientcredentials (no member: userinfo refuses it, member
// scopes are dropped); introspection by that client says active with the
// client as subject, by another client inactive; a public client and a
// wrong secret are refused, and so is a deleted client.
func TestOIDCClientCredentials(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	cc := clientcredentials.Config{ClientID: o.conf.ClientID, ClientSecret: o.conf.ClientSecret, TokenURL: o.provider.Endpoint().TokenURL,
		Scopes: []string{"reports.read", "openid", "email"}}
	tok, err := cc.Token(ctx)
	if err != nil || tok.AccessToken == "" || tok.RefreshToken != "" {
		t.Fatalf("client_credentials: %+v, %v", tok, err)
	}
	if scope, _ := tok.Extra("scope").(string); scope != "reports.read" {
		t.Errorf("scope %q, want only reports.read", scope)
	}
	if _, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo accepted a client's own token")
	}
	status, in := o.tokenPost(t, "/oauth/introspect", o.conf, url.Values{"token": {tok.AccessToken}})
	if status != http.StatusOK || in["active"] != true || in["sub"] != o.conf.ClientID || in["client_id"] != o.conf.ClientID {
		t.Fatalf("introspect: %d %v", status, in)
	}
	if _, in = o.tokenPost(t, "/oauth/introspect", o.third, url.Values{"token": {tok.AccessToken}}); in["active"] != false {
		t.Errorf("introspect by another client: %v", in)
	}
	for name, c := range map[string]clientcredentials.Config{
		"public client": {ClientID: o.pub.ClientID, TokenURL: cc.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		"wrong secret":  {ClientID: o.conf.ClientID, ClientSecret: "wrong", TokenURL: cc.TokenURL},
	} {
		if _, err := c.Token(ctx); !isOAuthError(err, "invalid_client") && !isOAuthError(err, "unauthorized_client") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, stderr, err := runBinary(t, o.s.env, "client", "delete", o.conf.ClientID); err != nil {
		t.Fatalf("client delete: %v\n%s", err, stderr)
	}
	if _, err := cc.Token(ctx); !isOAuthError(err, "invalid_client") {
		t.Errorf("a deleted client: %v", err)
	}
}
