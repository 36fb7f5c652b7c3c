package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// proxyFixture: A may log in as B (and as the suspended D and the admin
// Adm, which must still be refused); B may log in as C; C allows nobody.
type proxyFixture struct {
	e                 *env
	a, b, c, d, admin auth.Member
}

const proxyUA = "proxy-browser/1.0"

func newProxyFixture(t *testing.T) *proxyFixture {
	t.Helper()
	e := newEnv(t, envOptions{})
	f := &proxyFixture{e: e,
		a: e.createMember("alice@example.com", goodPassword), b: e.createMember("bob@example.com", goodPassword),
		c: e.createMember("carol@example.com", goodPassword), d: e.createMember("dave@example.com", goodPassword),
		admin: e.createMember("root@example.com", goodPassword)}
	ctx := context.Background()
	err := e.store.Update(ctx, func(tx auth.Tx) error {
		for _, g := range [][2]int64{{f.b.ID, f.a.ID}, {f.d.ID, f.a.ID}, {f.admin.ID, f.a.ID}, {f.c.ID, f.b.ID}} {
			if err := tx.GrantProxy(ctx, &auth.ProxyGrant{TargetID: g[0], ActorID: g[1]}); err != nil {
				return err
			}
		}
		if err := tx.SetRoles(ctx, f.admin.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleOwner}}); err != nil {
			return err
		}
		d := f.d
		d.Status = auth.StatusSuspended
		return tx.UpdateMember(ctx, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// actorBrowser signs A in with a recognisable user agent.
func (f *proxyFixture) actorBrowser(t *testing.T) *browser {
	t.Helper()
	b := f.e.browser()
	b.headers["User-Agent"] = proxyUA
	b.mustLogin(f.a.Email, goodPassword)
	return b
}

func (b *browser) sid() string { return b.cookies[b.sidName()] }

func (b *browser) sidName() string {
	for k := range b.cookies {
		if strings.Contains(k, "gatehouse_sid") {
			return k
		}
	}
	return ""
}

func start(b *browser, id int64) *response {
	b.e.t.Helper()
	return b.submit("/account", "/proxy/start/"+strconv.FormatInt(id, 10), proxyReasonForm())
}

// proxySession returns B's live proxy session run by A.
func (f *proxyFixture) proxySession(t *testing.T) (auth.Session, bool) {
	t.Helper()
	list, err := f.e.svc.ListSessions(context.Background(), f.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ActorID == f.a.ID {
			return s, true
		}
	}
	return auth.Session{}, false
}

func bannerOf(body string) bool { return strings.Contains(body, `data-testid="proxy-banner"`) }

func TestProxyLoginPage(t *testing.T) {
	f := newProxyFixture(t)
	e := f.e
	b := f.actorBrowser(t)

	r := b.get("/account")
	if !strings.Contains(r.body, `data-testid="proxy-start-`+strconv.FormatInt(f.b.ID, 10)+`"`) ||
		strings.Contains(r.body, `proxy-start-`+strconv.FormatInt(f.d.ID, 10)+`"`) ||
		strings.Contains(r.body, `proxy-start-`+strconv.FormatInt(f.admin.ID, 10)+`"`) || bannerOf(r.body) {
		t.Fatalf("account page's Log in as list:\n%s", r.body)
	}

	// X5/S7: POST with CSRF only.
	expectStatus(t, b.postRaw("/proxy/start/"+strconv.FormatInt(f.b.ID, 10), url.Values{}), http.StatusForbidden)
	expectStatus(t, b.submit("/account", "/proxy/start/"+strconv.FormatInt(f.b.ID, 10), nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	expectStatus(t, b.get("/proxy/start/"+strconv.FormatInt(f.b.ID, 10)), http.StatusNotFound)

	// X1: no grant and no such member answer the same 403 body.
	noGrant, missing := start(b, f.c.ID), start(b, 999999)
	expectStatus(t, noGrant, http.StatusForbidden)
	expectStatus(t, missing, http.StatusForbidden)
	if sansCSRF(noGrant.body) != sansCSRF(missing.body) || !strings.Contains(noGrant.body, "You are not allowed to log in as this member.") {
		t.Fatalf("refusal bodies differ:\n%s\n----\n%s", noGrant.body, missing.body)
	}
	// X3, X5: admin, suspended and self targets; a junk id.
	for _, id := range []string{strconv.FormatInt(f.admin.ID, 10), strconv.FormatInt(f.d.ID, 10), strconv.FormatInt(f.a.ID, 10), "junk"} {
		r := b.submit("/account", "/proxy/start/"+id, proxyReasonForm())
		expectStatus(t, r, http.StatusForbidden)
		if sansCSRF(r.body) != sansCSRF(missing.body) {
			t.Errorf("target %s: a different refusal body", id)
		}
	}

	// Start: fresh browser session id, the banner on every page.
	before := b.sid()
	r = start(b, f.b.ID)
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/account" || b.sid() == "" || b.sid() == before {
		t.Fatalf("start: location %q, cookie renewed: %v", r.location(), b.sid() != before)
	}
	old := e.browser()
	old.cookies[b.sidName()] = before
	if old.signedIn() {
		t.Fatal("the pre-proxy browser session id still works")
	}
	ps, ok := f.proxySession(t)
	if !ok || ps.Via != auth.ViaPage || !ps.ExpiresAt.Equal(ps.CreatedAt.Add(auth.ProxyTTL)) {
		t.Fatalf("proxy session %+v", ps)
	}
	for _, page := range []string{"/account", "/", "/forgot-password", "/login"} {
		r := b.get(page)
		if r.StatusCode == http.StatusSeeOther {
			r = b.get(r.location())
		}
		if !bannerOf(r.body) || !strings.Contains(r.body, f.a.DisplayName()) || !strings.Contains(r.body, f.b.DisplayName()) ||
			!strings.Contains(r.body, `action="/proxy/stop"`) {
			t.Fatalf("%s: no banner naming both:\n%s", page, r.body)
		}
	}
	if r := b.get("/account"); !strings.Contains(r.body, f.b.Email) || !strings.Contains(r.body, `data-testid="proxy-proxied"`) {
		t.Fatalf("account page while proxied:\n%s", r.body)
	}

	// X2: no chain, although B may log in as C.
	expectStatus(t, start(b, f.c.ID), http.StatusForbidden)
	// X3: no member editor inside a proxy session.
	for _, p := range []string{"/admin/members", "/admin/audit", "/admin/members/" + strconv.FormatInt(f.b.ID, 10)} {
		if r := b.get(p); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Errorf("%s while proxied: %d", p, r.StatusCode)
		}
	}
	// X4: password, profile, sessions and reset requests are refused.
	for _, tc := range []struct {
		action string
		form   url.Values
	}{
		{"/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"another fine passphrase"}, "confirm_password": {"another fine passphrase"}}},
		{"/account/profile", url.Values{"name": {"Hijacked"}, "username": {"bob2"}}},
		{"/account/sessions/" + strconv.FormatInt(ps.ID, 10) + "/revoke", nil},
		{"/forgot-password", url.Values{"email": {f.b.Email}}},
	} {
		r := b.submit("/account", tc.action, tc.form)
		expectStatus(t, r, http.StatusForbidden)
		if !bannerOf(r.body) {
			t.Errorf("%s: the error page has no banner", tc.action)
		}
	}
	if m, _ := e.svc.AdminGetMember(context.Background(), auth.Actor{CLI: true}, f.b.ID); m.Name == "Hijacked" {
		t.Fatal("profile changed while proxied")
	}
	e.browser().mustLogin(f.b.Email, goodPassword) // password unchanged

	// B's own login: no banner, and B sees that A signed in as them.
	bob := e.browser()
	bob.mustLogin(f.b.Email, goodPassword)
	r = bob.get("/account")
	if bannerOf(r.body) || !strings.Contains(r.body, "signed in as") || !strings.Contains(r.body, f.a.Email) {
		t.Fatalf("B's account page:\n%s", r.body)
	}

	// Return: A again, fresh browser session id, no banner, proxy session dead.
	before = b.sid()
	r = b.submit("/account", "/proxy/stop", nil)
	expectStatus(t, r, http.StatusSeeOther)
	if b.sid() == before {
		t.Fatal("browser session id not renewed on return")
	}
	r = b.get("/account")
	if bannerOf(r.body) || !strings.Contains(r.body, f.a.Email) || !strings.Contains(r.body, "proxy-start-") {
		t.Fatalf("after return:\n%s", r.body)
	}
	if _, _, err := e.svc.Authenticate(context.Background(), ps.ID); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Fatalf("proxy session after return: %v", err)
	}
	if !bob.signedIn() {
		t.Fatal("B's own session ended")
	}

	// X6: start, stop and refusals are audited with A, B, the grant, IP, UA.
	grant, _ := e.store.ProxyGrantOf(context.Background(), f.b.ID, f.a.ID)
	list, err := e.store.ListAudit(context.Background(), auth.AuditQuery{Action: "proxy.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, x := range list {
		seen[x.Action]++
		if x.ActorID != f.a.ID || x.UserAgent != proxyUA || x.IP == "" || x.At.IsZero() {
			t.Errorf("audit entry %+v", x)
		}
		if (x.Action == auth.AuditProxyStart || x.Action == auth.AuditProxyStop) && (x.SubjectID != f.b.ID || x.GrantID != grant.ID) {
			t.Errorf("audit entry %+v", x)
		}
	}
	if seen[auth.AuditProxyStart] != 1 || seen[auth.AuditProxyStop] != 1 || seen[auth.AuditProxyRefused] != 7 {
		t.Errorf("audit actions %v", seen)
	}
}

func TestProxySessionEnds(t *testing.T) {
	f := newProxyFixture(t)
	e := f.e

	// X5: the proxy session ends 60 minutes after its start, despite activity.
	b := f.actorBrowser(t)
	expectStatus(t, start(b, f.b.ID), http.StatusSeeOther)
	for i := 0; i < 5; i++ {
		e.clock.Advance(11 * time.Minute)
		if r := b.get("/account"); !bannerOf(r.body) {
			t.Fatalf("minute %d: proxy session gone (%d)", (i+1)*11, r.StatusCode)
		}
	}
	e.clock.Advance(6 * time.Minute)
	if r := b.get("/account"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Fatalf("after 61 minutes: %d %q", r.StatusCode, r.location())
	}

	// A stale sign-in must sign in again first.
	b = f.actorBrowser(t)
	e.clock.Advance(10 * time.Minute)
	b.get("/account")
	e.clock.Advance(10 * time.Minute)
	r := start(b, f.b.ID)
	expectStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.body, "sign in again") {
		t.Fatalf("stale sign-in:\n%s", r.body)
	}

	// X1: revoking the grant ends the running proxy session on its next request.
	b = f.actorBrowser(t)
	expectStatus(t, start(b, f.b.ID), http.StatusSeeOther)
	ctx := context.Background()
	if err := e.store.Update(ctx, func(tx auth.Tx) error {
		if err := tx.RevokeProxy(ctx, f.b.ID, f.a.ID); err != nil {
			return err
		}
		_, err := tx.RevokeProxySessions(ctx, f.b.ID, f.a.ID, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r := b.get("/account"); r.StatusCode != http.StatusSeeOther || bannerOf(r.body) {
		t.Fatalf("after revoke: %d", r.StatusCode)
	}
	if r := b.get("/login"); bannerOf(r.body) {
		t.Fatal("banner after revoke")
	}
}

// apiCall sends a JSON request to the app and decodes the JSON answer.
func apiCall(t *testing.T, e *env, method, path string, body any, headers ...string) (int, map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, &buf)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw := new(bytes.Buffer)
	_, _ = raw.ReadFrom(res.Body)
	_ = json.Unmarshal(raw.Bytes(), &out)
	return res.StatusCode, out, raw.String()
}

var requestIDRE = regexp.MustCompile(`"x-rcms-request-id":"[^"]*"`)

func TestAliasLoginEndToEnd(t *testing.T) {
	f := newProxyFixture(t)
	e := f.e
	kurocoLogin := func(email string) string {
		t.Helper()
		st, g, raw := apiCall(t, e, "POST", "/rcms-api/1/login", map[string]any{"email": email, "password": goodPassword})
		if st != http.StatusOK {
			t.Fatalf("login: %d %s", st, raw)
		}
		return exchange(t, e, g["grant_token"].(string))
	}
	tokA := kurocoLogin(f.a.Email)
	hdr := func(tok string) []string { return []string{"X-RCMS-API-ACCESS-TOKEN", tok} }

	st, prof, raw := apiCall(t, e, "GET", "/rcms-api/1/profile", nil, hdr(tokA)...)
	if st != http.StatusOK || !sameIDs(prof["aliaslogin_target"], f.b.ID) {
		t.Fatalf("A's profile: %d %s", st, raw)
	}

	// X1 over the API: identical refusals.
	st1, _, raw1 := apiCall(t, e, "POST", "/rcms-api/1/alias_login", map[string]any{"aliaslogin_id": f.c.ID}, hdr(tokA)...)
	st2, _, raw2 := apiCall(t, e, "POST", "/rcms-api/1/alias_login", map[string]any{"aliaslogin_id": 999999}, hdr(tokA)...)
	if st1 != http.StatusForbidden || st2 != st1 || requestIDRE.ReplaceAllString(raw1, "") != requestIDRE.ReplaceAllString(raw2, "") {
		t.Fatalf("alias_login refusals: %d %s / %d %s", st1, raw1, st2, raw2)
	}

	st, g, raw := apiCall(t, e, "POST", "/rcms-api/1/alias_login", map[string]any{"aliaslogin_id": f.b.ID, "reason": "support ticket 42"}, hdr(tokA)...)
	if st != http.StatusOK || g["grant_token"] == nil {
		t.Fatalf("alias_login: %d %s", st, raw)
	}
	tokB := exchange(t, e, g["grant_token"].(string))
	st, prof, raw = apiCall(t, e, "GET", "/rcms-api/1/profile", nil, hdr(tokB)...)
	if st != http.StatusOK || prof["member_id"] != float64(f.b.ID) || !sameIDs(prof["aliaslogin_target"]) {
		t.Fatalf("proxied profile: %d %s", st, raw)
	}
	// The token records the actor.
	if _, s, err := e.svc.AuthenticateToken(context.Background(), tokB); err != nil || s.ActorID != f.a.ID {
		t.Fatalf("proxied token session %+v %v", s, err)
	}
	// X2 over the API, X4 for MFA (directus) and password (wme).
	if st, _, raw := apiCall(t, e, "POST", "/rcms-api/1/alias_login", map[string]any{"aliaslogin_id": f.c.ID}, hdr(tokB)...); st != http.StatusForbidden {
		t.Fatalf("chained alias_login: %d %s", st, raw)
	}
	if st, _, raw := apiCall(t, e, "POST", "/users/me/tfa/generate", map[string]any{"password": goodPassword}, "Authorization", "Bearer "+tokB); st != http.StatusForbidden {
		t.Fatalf("tfa generate while proxied: %d %s", st, raw)
	}
	if st, _, raw := apiCall(t, e, "POST", "/v1/change-password", map[string]any{"access_token": tokB, "previous_password": goodPassword, "proposed_password": "another fine passphrase"}); st == http.StatusNoContent || st == http.StatusOK {
		t.Fatalf("wme change-password while proxied: %d %s", st, raw)
	}
	e.browser().mustLogin(f.b.Email, goodPassword)

	// A revoked grant kills the proxy token on its next request.
	ctx := context.Background()
	if err := e.store.Update(ctx, func(tx auth.Tx) error { return tx.RevokeProxy(ctx, f.b.ID, f.a.ID) }); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := apiCall(t, e, "GET", "/rcms-api/1/profile", nil, hdr(tokB)...); st != http.StatusUnauthorized {
		t.Fatalf("proxied token after revoke: %d", st)
	}
	if st, _, _ := apiCall(t, e, "GET", "/rcms-api/1/profile", nil, hdr(tokA)...); st != http.StatusOK {
		t.Fatalf("A's own token after revoke: %d", st)
	}
}

func exchange(t *testing.T, e *env, grant string) string {
	t.Helper()
	st, tok, raw := apiCall(t, e, "POST", "/rcms-api/1/token", map[string]any{"grant_token": grant})
	if st != http.StatusOK {
		t.Fatalf("token: %d %s", st, raw)
	}
	return tok["access_token"].(map[string]any)["value"].(string)
}

func sameIDs(v any, ids ...int64) bool {
	list, ok := v.([]any)
	if !ok || len(list) != len(ids) {
		return false
	}
	for i, x := range list {
		if x != float64(ids[i]) {
			return false
		}
	}
	return true
}

// proxyReasonForm is the reason a proxy login must give.
func proxyReasonForm() url.Values { return url.Values{"reason": {"support ticket 42"}} }
