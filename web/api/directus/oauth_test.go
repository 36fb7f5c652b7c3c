package directus_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/oidctest"
	"gatehouse/internal/testenv"
	"gatehouse/web/api"
)

// oidcEnv is a Gatehouse whose providers are the in-process idp, as the
// openid driver ("idp") and as the oauth2 driver ("plain", PROFILE_URL
// /userinfo, IDENTIFIER_KEY sub).
func oidcEnv(t *testing.T, p *oidctest.IdP, allowRegistration bool) *testenv.Env {
	return testenv.New(t, testenv.Options{API: api.Config{OAuthProviders: []api.OAuthProvider{
		{Name: "idp", Label: "Test IdP", Driver: "openid", IssuerURL: p.URL(), ClientID: p.Client, ClientSecret: p.Secret,
			Scope: "openid email profile", AllowPublicRegistration: allowRegistration, RedirectAllow: []string{"https://app.example/after"}},
		{Name: "plain", Label: "Plain", Driver: "oauth2", ClientID: p.Client, ClientSecret: p.Secret,
			AuthorizeURL: p.URL() + "/authorize", AccessURL: p.URL() + "/token", ProfileURL: p.URL() + "/userinfo",
			Scope: "email", IdentifierKey: "sub", AllowPublicRegistration: allowRegistration},
	}}})
}

// signIn starts a sign-in at path, lets the idp answer the authorize
// request, and returns the callback (path and query) and the state cookie.
func signIn(t *testing.T, e *testenv.Env, path string) (callback, state string) {
	t.Helper()
	r := e.Do("GET", path, nil)
	if r.StatusCode != 302 {
		t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
	}
	state = cookie(r, "directus_oauth_state")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil || !strings.HasPrefix(back.String(), e.BaseURL+"/auth/login/") {
		t.Fatalf("idp authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.RequestURI(), state
}

func members(t *testing.T, e *testenv.Env) int {
	t.Helper()
	ms, err := e.Svc.ListMembers(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// TestOAuthStart: the redirect to the provider carries the state, a PKCE
// S256 challenge and (openid) a nonce; the redirect must be allow-listed.
func TestOAuthStart(t *testing.T) {
	p := oidctest.New(t)
	e := oidcEnv(t, p, true)
	wantError(t, e.Do("GET", "/auth/login/okta", nil), 404, "ROUTE_NOT_FOUND")
	wantError(t, e.Do("GET", "/auth/login/idp?redirect=https://evil.example", nil), 400, "INVALID_PAYLOAD")
	wantError(t, e.Do("GET", "/auth/login/idp?redirect=https://app.example/after&mode=json", nil), 400, "INVALID_PAYLOAD")
	for _, path := range []string{"/auth/login/idp", "/auth/oauth/idp?redirect=https://app.example/after"} {
		r := e.Do("GET", path, nil)
		loc, err := url.Parse(r.Header.Get("Location"))
		if r.StatusCode != 302 || err != nil || !strings.HasPrefix(loc.String(), p.URL()+"/authorize?") {
			t.Fatalf("%s: %d %q", path, r.StatusCode, r.Header.Get("Location"))
		}
		q := loc.Query()
		if q.Get("client_id") != p.Client || q.Get("redirect_uri") != e.BaseURL+"/auth/login/idp/callback" ||
			q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || len(q.Get("state")) < 40 || len(q.Get("nonce")) < 40 {
			t.Fatalf("authorize query %v", q)
		}
		if line := setCookieLine(r, "directus_oauth_state"); !strings.Contains(line, "HttpOnly") || !strings.Contains(line, "path=/auth/") {
			t.Fatalf("state cookie %q", line)
		}
	}
}

// TestOAuthSignIn: the whole code flow against the in-process provider, in
// json, cookie (with redirect) and session modes, with the openid and the
// oauth2 drivers; a new member is created once and found again by the link.
func TestOAuthSignIn(t *testing.T) {
	p := oidctest.New(t)
	e := oidcEnv(t, p, true)

	cb, st := signIn(t, e, "/auth/login/idp")
	r := e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	data, _ := r.JSON()["data"].(map[string]any)
	access, _ := data["access_token"].(string)
	if r.StatusCode != 200 || access == "" || data["refresh_token"] == nil || data["expires"] != float64(900000) {
		t.Fatalf("json mode: %d %s", r.StatusCode, r.Body)
	}
	me := e.Do("GET", "/users/me?fields=email,first_name,last_name", nil, "Authorization", "Bearer "+access)
	if string(me.Body) != `{"data":{"email":"nia@example.com","first_name":"Nia","last_name":"New"}}` {
		t.Fatalf("the new member: %s", me.Body)
	}
	n := members(t, e)

	cb, st = signIn(t, e, "/auth/login/idp?redirect=https://app.example/after")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	if r.StatusCode != 302 || r.Header.Get("Location") != "https://app.example/after" || cookie(r, "directus_refresh_token") == "" {
		t.Fatalf("cookie mode: %d %q %v", r.StatusCode, r.Header.Get("Location"), r.Header.Values("Set-Cookie"))
	}
	cb, st = signIn(t, e, "/auth/login/idp?mode=session")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	if r.StatusCode != 200 || string(r.Body) != `{"data":{"expires":86400000}}` || cookie(r, "directus_session_token") == "" {
		t.Fatalf("session mode: %d %s", r.StatusCode, r.Body)
	}
	if members(t, e) != n {
		t.Fatal("a second sign-in with the same account created another member")
	}

	// The oauth2 driver: the account is the profile's "sub" at PROFILE_URL.
	p.Set("plain-7", "pia@example.com", true, "Pia Plain")
	cb, st = signIn(t, e, "/auth/login/plain")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	if r.StatusCode != 200 || members(t, e) != n+1 {
		t.Fatalf("oauth2 driver: %d %s", r.StatusCode, r.Body)
	}
}

// TestOAuthFailures: each failure is answered clearly and writes nothing:
// a wrong nonce, a replayed state or code, an unverified email, closed
// registration, a provider that is down; with a redirect, ?reason= says why.
func TestOAuthFailures(t *testing.T) {
	p := oidctest.New(t)
	e := oidcEnv(t, p, true)
	ctx := context.Background()
	if _, _, err := e.Svc.Register(ctx, auth.RegisterInput{Name: "Una Verified", Email: "una@example.com", Password: annPass, Via: auth.ViaPage}); err != nil {
		t.Fatal(err)
	}
	n := members(t, e)

	p.SetBadNonce(true)
	cb, st := signIn(t, e, "/auth/login/idp")
	r := e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	wantError(t, r, 403, "INVALID_PROVIDER")
	if !strings.Contains(errMessage(r), "nonce") {
		t.Fatalf("wrong nonce: %s", r.Body)
	}
	p.SetBadNonce(false)

	// Replays: the callback again without the (cleared) cookie, and with
	// it: the code was used once already.
	wantError(t, e.Do("GET", cb, nil), 403, "INVALID_PROVIDER")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	wantError(t, r, 403, "INVALID_PROVIDER")
	if !strings.Contains(errMessage(r), "invalid_grant") {
		t.Fatalf("replayed code: %s", r.Body)
	}
	// A forged state, and a planted cookie whose redirect is not allowed.
	cb, st = signIn(t, e, "/auth/login/idp")
	wantError(t, e.Do("GET", strings.Replace(cb, "state=", "state=x", 1), nil, "Cookie", "directus_oauth_state="+st), 403, "INVALID_PROVIDER")
	raw, _ := base64.RawURLEncoding.DecodeString(st)
	planted := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"m":"json"`, `"r":"https://evil.example/","m":"cookie"`, 1)))
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+planted)
	wantError(t, r, 403, "INVALID_PROVIDER")

	// An existing member whose email is not verified on our side.
	p.Set("una-at-idp", "una@example.com", true, "Una")
	cb, st = signIn(t, e, "/auth/login/idp")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	wantError(t, r, 403, "FORBIDDEN")
	if !strings.Contains(errMessage(r), "not verified") {
		t.Fatalf("unverified: %s", r.Body)
	}
	// A new person whose email the provider does not vouch for.
	p.Set("x-1", "xena@example.com", false, "Xena")
	cb, st = signIn(t, e, "/auth/login/idp?redirect=https://app.example/after")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	if r.StatusCode != 302 || r.Header.Get("Location") != "https://app.example/after?reason=FORBIDDEN" {
		t.Fatalf("failure with redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// The provider goes down between the redirect and the callback.
	p.Set("x-1", "xena@example.com", true, "Xena")
	cb, st = signIn(t, e, "/auth/login/idp")
	p.Close()
	wantError(t, e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st), 503, "SERVICE_UNAVAILABLE")

	if members(t, e) != n {
		t.Fatal("a failed callback created a member")
	}
	una, err := e.Svc.ResolveMember(ctx, "una@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := e.Svc.Identities(ctx, una.ID); len(ids) != 0 {
		t.Fatalf("a failed callback linked an identity: %v", ids)
	}
}

// TestOAuthClosedRegistration: without ALLOW_PUBLIC_REGISTRATION an unknown
// account is refused; a verified member with the same verified email is
// linked.
func TestOAuthClosedRegistration(t *testing.T) {
	p := oidctest.New(t)
	e := oidcEnv(t, p, false)
	cb, st := signIn(t, e, "/auth/login/idp")
	r := e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	wantError(t, r, 403, "FORBIDDEN")
	if members(t, e) != 0 {
		t.Fatal("closed registration created a member")
	}
	m := e.CreateMember("nia@example.com", annPass) // created by an admin: verified
	cb, st = signIn(t, e, "/auth/login/idp")
	r = e.Do("GET", cb, nil, "Cookie", "directus_oauth_state="+st)
	if r.StatusCode != 200 {
		t.Fatalf("link: %d %s", r.StatusCode, r.Body)
	}
	if ids, _ := e.Svc.Identities(context.Background(), m.ID); len(ids) != 1 || ids[0].Provider != "idp" {
		t.Fatalf("identities %v", ids)
	}
}
