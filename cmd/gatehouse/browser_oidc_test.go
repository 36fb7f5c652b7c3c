package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// testApp is a small relying party in the test process: "/" sends the
// browser to Gatehouse with PKCE, state and nonce; "/cb" exchanges the
// code with go-oidc and x/oauth2, verifies the id_token and shows who
// signed in and how (amr).
type testApp struct {
	base     string // Gatehouse (the issuer)
	conf     *oauth2.Config
	provider *oidc.Provider
	mu       sync.Mutex
	pending  map[string][2]string // state → verifier, nonce
}

func (a *testApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider == nil {
		p, err := oidc.NewProvider(ctx, a.base)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		a.provider = p
		a.conf.Endpoint = p.Endpoint()
	}
	switch r.URL.Path {
	case "/":
		state, nonce, verifier := fmt.Sprint(time.Now().UnixNano()), fmt.Sprint("n", time.Now().UnixNano()), oauth2.GenerateVerifier()
		a.pending[state] = [2]string{verifier, nonce}
		http.Redirect(w, r, a.conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	case "/cb":
		p, ok := a.pending[r.URL.Query().Get("state")]
		if !ok {
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		}
		delete(a.pending, r.URL.Query().Get("state"))
		tok, err := a.conf.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(p[0]))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := a.provider.Verifier(&oidc.Config{ClientID: a.conf.ClientID}).Verify(ctx, raw)
		if err != nil || idt.Nonce != p[1] {
			http.Error(w, fmt.Sprint("id_token: ", err), http.StatusBadGateway)
			return
		}
		var claims struct {
			AMR []string `json:"amr"`
		}
		_ = idt.Claims(&claims)
		ui, err := a.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>App</title><h1 data-testid="app-user">%s</h1><p data-testid="app-amr">%s</p>`,
			html.EscapeString(ui.Email), html.EscapeString(strings.Join(claims.AMR, " ")))
	default:
		http.NotFound(w, r)
	}
}

// TestBrowserOIDCPasskey: real Chromium with a virtual authenticator
// signs in to a small test app through Gatehouse's pages with a passkey:
// the app sends the browser to /authorize, Gatehouse shows /login, the
// passkey button signs in, and the browser lands back on the app, which
// verified the id_token (amr "hwk") and read userinfo.
func TestBrowserOIDCPasskey(t *testing.T) {
	step := chromiumSession(t, 3*time.Minute)
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	base := "http://localhost:" + port // a passkey's relying-party id must be a domain
	app := &testApp{base: base, conf: &oauth2.Config{Scopes: []string{oidc.ScopeOpenID, "email"}}, pending: map[string][2]string{}}
	appSrv := httptest.NewServer(app)
	defer appSrv.Close()
	app.conf.RedirectURL = appSrv.URL + "/cb"

	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": base}
	const email = "grace@example.com"
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", email, "--password", strongPassword, "--name", "Grace Hopper"); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	out, stderr, err := runBinary(t, e, "client", "create", "--name", "Test app", "--redirect-uri", app.conf.RedirectURL, "--first-party", "--json")
	var c clientJSON
	if err != nil || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("client create: %v\n%s%s", err, out, stderr)
	}
	app.conf.ClientID, app.conf.ClientSecret = c.ClientID, c.ClientSecret
	startServer(t, e)

	step("virtual authenticator",
		webauthn.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			}).Do(ctx)
			return err
		}),
		// The "Sign in with a passkey" button signs in, not the autofill.
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(
				`PublicKeyCredential.isConditionalMediationAvailable = function () { return Promise.resolve(false); };`).Do(ctx)
			return err
		}),
	)
	step("add a passkey",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
		submitLogin(email, strongPassword),
		chromedp.WaitVisible(`[data-testid="passkey-add"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="passkey-add-form"] input[name="name"]`, "Laptop", chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-add"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="passkey-row"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-submit"]`, chromedp.ByQuery),
	)
	var user, amr, loc string
	step("sign in to the app with the passkey",
		chromedp.Navigate(appSrv.URL+"/"),
		chromedp.WaitVisible(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="passkey-login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="app-user"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="app-user"]`, &user, chromedp.ByQuery),
		chromedp.Text(`[data-testid="app-amr"]`, &amr, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.HasPrefix(loc, appSrv.URL+"/cb") || user != email || !strings.Contains(amr, "hwk") || !strings.Contains(amr, "mfa") {
		t.Fatalf("on %s the app shows %q (amr %q), want %s signed in with a passkey", loc, user, amr, email)
	}
	step("signed in at Gatehouse: the app signs in again without a page",
		chromedp.Navigate(appSrv.URL+"/"),
		chromedp.WaitVisible(`[data-testid="app-user"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="app-user"]`, &user, chromedp.ByQuery),
	)
	if user != email {
		t.Errorf("second sign-in shows %q", user)
	}
}
