package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/oidctest"
	"gatehouse/internal/testenv"
	"gatehouse/web/api"
)

// providerEnv is a Gatehouse whose sign-in provider is the in-process idp.
func providerEnv(t *testing.T, p *oidctest.IdP, allowRegistration bool) *env {
	x := testenv.New(t, testenv.Options{API: api.Config{OAuthProviders: []api.OAuthProvider{{
		Name: "idp", Label: "Test IdP", Driver: "openid", IssuerURL: p.URL(), ClientID: p.Client, ClientSecret: p.Secret,
		Scope: "openid email profile", AllowPublicRegistration: allowRegistration,
	}}}})
	return &env{t: t, app: x.App, svc: x.Svc, store: x.Store, smtp: x.SMTP, baseURL: x.BaseURL, logs: x.Logs, clock: x.Clock}
}

// continueWith clicks "Continue with Test IdP": the start redirect, the
// provider's answer, and the callback, returning the callback's response.
func continueWith(t *testing.T, b *browser) *response {
	t.Helper()
	r := b.get("/login/with/idp")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %s", r.StatusCode, r.body)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(r.location())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Path != "/login/with/idp/callback" {
		t.Fatalf("idp: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return b.get(back.RequestURI())
}

// TestProviderSignInPages: the sign-in and sign-up pages show "Continue
// with …"; the code flow creates the member and signs the browser in; a
// second browser signs in as the same member; a replayed callback, an
// unverified email and a provider that is down are answered on the sign-in
// page and write nothing.
func TestProviderSignInPages(t *testing.T) {
	p := oidctest.New(t)
	e := providerEnv(t, p, true)
	b := e.browser()
	for _, page := range []string{"/login", "/register"} {
		if r := b.get(page); !strings.Contains(r.body, `href="/login/with/idp"`) || !strings.Contains(r.body, "Continue with Test IdP") {
			t.Fatalf("%s has no provider button", page)
		}
	}
	r := continueWith(t, b)
	if r.StatusCode != http.StatusSeeOther || r.location() != "/account" || !b.signedIn() {
		t.Fatalf("callback: %d %q %s", r.StatusCode, r.location(), r.body)
	}
	m, err := e.svc.ResolveMember(context.Background(), "nia@example.com")
	if err != nil || !m.EmailVerified || m.FirstName != "Nia" {
		t.Fatalf("the new member: %v %+v", err, m)
	}
	b2 := e.browser()
	if r := continueWith(t, b2); r.location() != "/account" || !b2.signedIn() {
		t.Fatalf("second sign-in: %d %s", r.StatusCode, r.body)
	}
	all, _ := e.svc.ListMembers(context.Background(), 0, 100)

	// A replayed callback: this browser's sign-in was used up.
	b3 := e.browser()
	r = b3.get("/login/with/idp")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := client.Get(r.location())
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	b3.get(back.RequestURI())
	if r := b3.get(back.RequestURI()); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "could not be completed") {
		t.Fatalf("replay: %d", r.StatusCode)
	}

	p.Set("u-2", "una@example.com", false, "Una")
	b4 := e.browser()
	if r := continueWith(t, b4); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "no verified email") || b4.signedIn() {
		t.Fatalf("unverified: %d", r.StatusCode)
	}
	p.Set("u-3", "ursula@example.com", true, "Ursula")
	b5 := e.browser()
	r = b5.get("/login/with/idp")
	p.Close()
	resp, err = client.Get(r.location())
	if err == nil {
		resp.Body.Close()
		t.Fatal("the provider is still up")
	}
	state := url.Values{}
	u, _ := url.Parse(r.location())
	state.Set("state", u.Query().Get("state"))
	state.Set("code", "whatever")
	if r := b5.get("/login/with/idp/callback?" + state.Encode()); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "could not be reached") {
		t.Fatalf("provider down: %d", r.StatusCode)
	}
	if now, _ := e.svc.ListMembers(context.Background(), 0, 100); len(now) != len(all) {
		t.Fatal("a failed sign-in created a member")
	}
}

// TestProviderSignInTwoFactor: a member with two-factor authentication goes
// from the provider to the code page, and is signed in after the code.
func TestProviderSignInTwoFactor(t *testing.T) {
	p := oidctest.New(t)
	e := providerEnv(t, p, false)
	m := e.createMember("nia@example.com", "correct horse battery")
	ctx := context.Background()
	_, own, err := e.svc.LoginTokens(ctx, auth.LoginInput{Identifier: m.Email, Password: "correct horse battery", Via: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	gen, err := e.svc.GenerateTOTP(ctx, own.Session.ID, "correct horse battery", auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.svc.EnableTOTP(ctx, own.Session.ID, gen.Secret, totp(gen.Secret, now.Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	if r := continueWith(t, b); r.location() != "/login/otp" || b.signedIn() {
		t.Fatalf("two-factor member: %d %q", r.StatusCode, r.location())
	}
	r := b.submit("/login/otp", "/login/otp", url.Values{"otp": {totp(gen.Secret, now)}})
	if r.location() != "/account" || !b.signedIn() {
		t.Fatalf("code: %d %q %s", r.StatusCode, r.location(), r.body)
	}
}

// idpBack follows a start response through the idp and returns the
// callback path and query.
func idpBack(t *testing.T, start *response) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(start.location())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back.RequestURI()
}

// TestProviderLinkUnlink: on /account a signed-in member links the
// provider (then signs in with it), sees it listed, and unlinks it; the
// last way to sign in of a member without a password cannot be unlinked.
func TestProviderLinkUnlink(t *testing.T) {
	p := oidctest.New(t)
	p.Set("ann-at-idp", "ann.elsewhere@example.com", false, "Ann")
	e := providerEnv(t, p, true)
	e.createMember("ann@example.com", "correct horse battery")
	b := e.browser()
	b.mustLogin("ann@example.com", "correct horse battery")
	if r := b.get("/account"); !strings.Contains(r.body, `data-testid="provider-link-idp"`) || !strings.Contains(r.body, "identities-empty") {
		t.Fatal("the account page offers no link")
	}
	r := b.get("/account/providers/idp/link")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("link start: %d %s", r.StatusCode, r.body)
	}
	if r := b.get(idpBack(t, r)); r.location() != "/account" {
		t.Fatalf("link callback: %d %q", r.StatusCode, r.location())
	}
	page := b.get("/account").body
	if !strings.Contains(page, "is now linked") || !strings.Contains(page, `data-testid="identity-row"`) || strings.Contains(page, "provider-link-idp") {
		t.Fatal("the link is not shown")
	}
	// The linked account now signs Ann in, although its email differs and
	// is not verified.
	b2 := e.browser()
	if r := continueWith(t, b2); r.location() != "/account" || !b2.signedIn() || !strings.Contains(b2.get("/account").body, "ann@example.com") {
		t.Fatalf("sign-in with the linked account: %d %s", r.StatusCode, r.body)
	}
	m, _ := e.svc.ResolveMember(context.Background(), "ann@example.com")
	ids, _ := e.svc.Identities(context.Background(), m.ID)
	r = b.submit("/account", "/account/providers/"+strconv.FormatInt(ids[0].ID, 10)+"/unlink", nil)
	if r.location() != "/account" || !strings.Contains(b.get("/account").body, "has been unlinked") {
		t.Fatalf("unlink: %d", r.StatusCode)
	}

	// A member the provider created has no password: its only link stays.
	p.Set("nia-1", "nia@example.com", true, "Nia New")
	b3 := e.browser()
	continueWith(t, b3)
	nia, _ := e.svc.ResolveMember(context.Background(), "nia@example.com")
	ids, _ = e.svc.Identities(context.Background(), nia.ID)
	b3.submit("/account", "/account/providers/"+strconv.FormatInt(ids[0].ID, 10)+"/unlink", nil)
	if page := b3.get("/account").body; !strings.Contains(page, "only way to sign in") || !strings.Contains(page, `data-testid="identity-row"`) {
		t.Fatal("the last way to sign in was unlinked")
	}
}
