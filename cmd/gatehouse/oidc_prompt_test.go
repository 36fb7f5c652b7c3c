package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

var requestIDRE = regexp.MustCompile(`name="id" value="([^"]+)"`)

// choose posts a step page's button (its form carries _csrf and id).
func (o *oidcEnv) choose(t *testing.T, browser *http.Client, page, choice string) (*http.Response, string) {
	t.Helper()
	csrf, id := csrfRE.FindStringSubmatch(page), requestIDRE.FindStringSubmatch(page)
	if csrf == nil || id == nil {
		t.Fatalf("no step form in\n%s", page)
	}
	return postForm(t, browser, o.s.base+"/authorize/continue", url.Values{"_csrf": {csrf[1]}, "id": {id[1]}, "choice": {choice}}, nil)
}

// TestOIDCConsent: a third-party client gets a consent page listing what
// it asks for; "allow" is remembered (the next sign-in goes straight
// back), "deny" sends access_denied; with prompt=none and no consent the
// client gets consent_required. A first-party client never asks.
func TestOIDCConsent(t *testing.T) {
	o := newOIDCEnv(t)
	browser := newClient(t)
	o.signIn(t, browser)
	conf := o.config(o.third)
	verifier := oauth2.GenerateVerifier()
	authURL := func(state string, extra ...oauth2.AuthCodeOption) string {
		return conf.AuthCodeURL(state, append(extra, oauth2.S256ChallengeOption(verifier))...)
	}

	back, _, _ := o.follow(t, browser, authURL("n1", oauth2.SetAuthURLParam("prompt", "none")))
	if back == nil || back.Query().Get("error") != "consent_required" || back.Query().Get("state") != "n1" {
		t.Fatalf("prompt=none without consent: %v", back)
	}
	back, status, page := o.follow(t, browser, authURL("d1"))
	if back != nil || status != http.StatusOK || !strings.Contains(page, `data-testid="oidc-consent-scopes"`) || !strings.Contains(page, "Your email address") {
		t.Fatalf("consent page: %v %d\n%s", back, status, page)
	}
	resp, _ := o.choose(t, browser, page, "deny")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), oidcRedirect) || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "d1" {
		t.Fatalf("deny: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	_, _, page = o.follow(t, browser, authURL("a1"))
	resp, body := o.choose(t, browser, page, "allow")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("allow: %d\n%s", resp.StatusCode, body)
	}
	back, status, body = o.follow(t, browser, o.s.base+resp.Header.Get("Location"))
	if back == nil || back.Query().Get("state") != "a1" || back.Query().Get("code") == "" {
		t.Fatalf("after allow: %v %d\n%s", back, status, body)
	}
	if _, err := conf.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("exchange after consent: %v", err)
	}
	// Remembered: straight back, even with prompt=none.
	back, status, body = o.follow(t, browser, authURL("r1", oauth2.SetAuthURLParam("prompt", "none")))
	if back == nil || back.Query().Get("code") == "" || back.Query().Get("state") != "r1" {
		t.Fatalf("remembered consent: %v %d\n%s", back, status, body)
	}
	// /account lists the app; revoking makes it ask again.
	status, body = get(t, browser, o.s.base+"/account")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="app-row"`) || !strings.Contains(body, "/account/apps/"+o.third.ClientID+"/revoke") {
		t.Fatalf("/account apps section: %d\n%s", status, body)
	}
	token := csrfFrom(t, browser, o.s.base+"/account")
	resp, body = postForm(t, browser, o.s.base+"/account/apps/"+o.third.ClientID+"/revoke", url.Values{"_csrf": {token}}, nil)
	wantRedirect(t, resp, body, "/account#apps")
	if _, body = get(t, browser, o.s.base+"/account"); strings.Contains(body, `data-testid="app-row"`) {
		t.Error("the revoked app is still listed")
	}
	back, _, _ = o.follow(t, browser, authURL("r2", oauth2.SetAuthURLParam("prompt", "none")))
	if back == nil || back.Query().Get("error") != "consent_required" {
		t.Fatalf("after revoking: %v", back)
	}
}

// TestOIDCPrompt: prompt=none without a Gatehouse session is
// login_required on the redirect URI; prompt=login (and max_age=0) with a
// session shows "sign in again", which ends the session, passes through
// the login form and comes back with a code; the old session's tokens end.
func TestOIDCPrompt(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	conf := o.config(o.conf)
	verifier := oauth2.GenerateVerifier()
	authURL := func(state string, extra ...oauth2.AuthCodeOption) string {
		return conf.AuthCodeURL(state, append(extra, oauth2.S256ChallengeOption(verifier))...)
	}
	browser := newClient(t)
	back, _, _ := o.follow(t, browser, authURL("n1", oauth2.SetAuthURLParam("prompt", "none")))
	if back == nil || back.Query().Get("error") != "login_required" || back.Query().Get("state") != "n1" {
		t.Fatalf("prompt=none signed out: %v", back)
	}
	o.signIn(t, browser)
	back, _, _ = o.follow(t, browser, authURL("s1"))
	first, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
		back, status, page := o.follow(t, browser, authURL("l1", extra))
		if back != nil || status != http.StatusOK || !strings.Contains(page, `data-testid="oidc-reauth"`) {
			t.Fatalf("stale session: %v %d\n%s", back, status, page)
		}
	}
	// max_age=0 with prompt=none: login_required, no page.
	back, _, _ = o.follow(t, browser, authURL("m1", oauth2.SetAuthURLParam("max_age", "0"), oauth2.SetAuthURLParam("prompt", "none")))
	if back == nil || back.Query().Get("error") != "login_required" {
		t.Fatalf("max_age=0 prompt=none: %v", back)
	}
	_, _, page := o.follow(t, browser, authURL("l2", oauth2.SetAuthURLParam("prompt", "login")))
	resp, body := o.choose(t, browser, page, "reauth")
	wantRedirect(t, resp, body, "/login")
	o.signIn(t, browser)
	back, status, body := o.follow(t, browser, o.s.base+"/account")
	if back == nil || back.Query().Get("state") != "l2" {
		t.Fatalf("after signing in again: %v %d\n%s", back, status, body)
	}
	if _, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("exchange after prompt=login: %v", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: first.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("the ended session's refresh token: %v, want invalid_grant", err)
	}
}

// TestOIDCProxyAct: signed in to an app from a proxy session ("Log in
// as…" on the pages), the id_token is about the member with the real
// member in an RFC 8693 act claim; a client created with --refuse-proxy
// refuses the sign-in, without a code.
func TestOIDCProxyAct(t *testing.T) {
	o := newOIDCEnv(t)
	ctx := context.Background()
	e := o.s.env
	actor := createMember(t, e, "--email", "grace@example.com", "--password", strongPassword, "--username", "grace")
	if _, stderr, err := runBinary(t, e, "member", "grant-proxy", "--target", "ada@example.com", "--actor", "grace@example.com"); err != nil {
		t.Fatalf("grant-proxy: %v\n%s", err, stderr)
	}
	out, stderr, err := runBinary(t, e, "client", "create", "--name", "Strict", "--redirect-uri", oidcRedirect, "--first-party", "--refuse-proxy", "--json")
	var strict clientJSON
	if err != nil || json.Unmarshal([]byte(out), &strict) != nil || !strict.RefuseProxy {
		t.Fatalf("client create --refuse-proxy: %v\n%s\n%s", err, out, stderr)
	}
	browser := newClient(t)
	resp, body := login(t, browser, o.s.base, "grace@example.com", strongPassword)
	wantRedirect(t, resp, body, "/account")
	token := csrfFrom(t, browser, o.s.base+"/account")
	resp, body = postForm(t, browser, o.s.base+"/proxy/start/"+strconv.FormatInt(o.memberID, 10), url.Values{"_csrf": {token}, "reason": {"support ticket 42"}}, nil)
	wantRedirect(t, resp, body, "/account")

	conf := o.config(o.conf)
	verifier, nonce := oauth2.GenerateVerifier(), randomString(t)
	back, status, body := o.follow(t, browser, conf.AuthCodeURL("p1", oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	if back == nil {
		t.Fatalf("proxy sign-in: %d\n%s", status, body)
	}
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := o.provider.Verifier(&oidc.Config{ClientID: o.conf.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Act struct {
			Sub string `json:"sub"`
		} `json:"act"`
	}
	if err := idt.Claims(&claims); err != nil || idt.Subject != strconv.FormatInt(o.memberID, 10) || claims.Act.Sub != strconv.FormatInt(actor, 10) {
		t.Fatalf("proxy id_token: sub %q act %+v (%v), want sub %d act %d", idt.Subject, claims.Act, err, o.memberID, actor)
	}

	strictConf := o.config(strict)
	back, status, body = o.follow(t, browser, strictConf.AuthCodeURL("p2", oauth2.S256ChallengeOption(verifier)))
	if back != nil || status != http.StatusForbidden || !strings.Contains(body, "proxy session") {
		t.Errorf("--refuse-proxy client from a proxy session: %v %d\n%s", back, status, body)
	}
}
