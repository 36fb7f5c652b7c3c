package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
	"gatehouse/web"
	"gatehouse/web/api"
)

// normalizePage drops what differs per request or per input from a page:
// the CSRF token and the echoed email.
func normalizePage(s string) string {
	s = csrfRE.ReplaceAllString(s, `name="_csrf" value=""`)
	return regexp.MustCompile(`value="[^"]*@example.com"`).ReplaceAllString(s, `value=""`)
}

// TestPageLockout: 10 wrong passwords on the sign-in page lock the account;
// the 11th attempt, with the right password, is 429 with Retry-After and
// the same page as a locked unknown identifier; after Retry-After the
// right password signs in (B1, B5).
func TestPageLockout(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("known@example.com", goodPassword)
	for i := range 10 {
		expectStatus(t, e.browser().login("known@example.com", "wrong password here"), http.StatusUnauthorized)
		expectStatus(t, e.browser().login("ghost@example.com", "wrong password here"), http.StatusUnauthorized)
		_ = i
	}
	known := e.browser().login("known@example.com", goodPassword)
	unknown := e.browser().login("ghost@example.com", goodPassword)
	for _, r := range []*response{known, unknown} {
		expectStatus(t, r, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if normalizePage(known.body) != normalizePage(unknown.body) || known.Header.Get("Retry-After") != unknown.Header.Get("Retry-After") {
		t.Error("a locked account answers differently from a locked unknown identifier")
	}
	e.clock.Advance(2 * time.Minute)
	e.browser().mustLogin("known@example.com", goodPassword)
}

// TestPageRegisterTakenEmail: registering with a taken email shows the same
// page with the same status as a new signup, mails the owner and creates
// no second account (B7).
func TestPageRegisterTakenEmail(t *testing.T) {
	e := newEnv(t, envOptions{noSMTP: true})
	owner := e.createMember("owner@example.com", goodPassword)
	fresh := e.browser().submit("/register", "/register", registerForm("New Person", "new@example.com", goodPassword))
	taken := e.browser().submit("/register", "/register", registerForm("Mallory", "OWNER@example.com", goodPassword))
	expectStatus(t, fresh, http.StatusOK)
	expectStatus(t, taken, http.StatusOK)
	if normalizePage(fresh.body) != normalizePage(taken.body) {
		t.Errorf("taken email page differs from a new signup:\n%s\n---\n%s", taken.body, fresh.body)
	}
	ms, err := e.store.ListMail(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var attempt bool
	for _, m := range ms {
		if m.Kind == auth.MailRegisterAttempt && m.To == owner.Email {
			attempt = true
		}
	}
	if !attempt {
		t.Errorf("owner not told about the attempt: %+v", ms)
	}
	all, err := e.svc.ListMembers(context.Background(), 0, 100)
	if err != nil || len(all) != 2 {
		t.Fatalf("members: %d, %v", len(all), err)
	}
	// The owner's password is unchanged and nobody was signed in.
	e.browser().mustLogin("owner@example.com", goodPassword)
}

// TestPageForgotMailLimit: five forgot-password requests for one address
// get the same page and five mails (B8); the sixth re-renders the form with
// 429, the message and Retry-After, and queues nothing.
func TestPageForgotMailLimit(t *testing.T) {
	e := newEnv(t, envOptions{noSMTP: true})
	e.createMember("lee@example.com", goodPassword)
	var first string
	for i := range 5 {
		r := e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"lee@example.com"}})
		expectStatus(t, r, http.StatusOK)
		if i == 0 {
			first = normalizePage(r.body)
		} else if normalizePage(r.body) != first {
			t.Errorf("request %d answers differently", i+1)
		}
	}
	r := e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"lee@example.com"}})
	expectStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many password reset requests") || !strings.Contains(r.body, `value="lee@example.com"`) {
		t.Errorf("6th request: Retry-After %q, body:\n%.2000s", r.Header.Get("Retry-After"), r.body)
	}
	e.x.WaitRequests()
	ms, err := e.store.ListMail(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.To == "lee@example.com" && m.Kind == auth.MailReset {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d reset mails, want 5", n)
	}
}

// TestTrustedProxies: with GATEHOUSE_TRUSTED_PROXIES naming the peer, the
// client IP comes from X-Forwarded-For, so two clients behind the proxy
// have their own buckets; without it the header is ignored (B4).
func TestTrustedProxies(t *testing.T) {
	x := testenv.New(t, testenv.Options{})
	login := func(app interface {
		Test(*http.Request, ...int) (*http.Response, error)
	}, id, xff string) int {
		body, _ := json.Marshal(map[string]any{"email": id, "password": "wrong password here"})
		req := httptest.NewRequest("POST", "/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff)
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// App.Test connections come from 0.0.0.0: trust that peer.
	var logs bytes.Buffer
	trusting := web.New(web.Deps{
		Auth:   x.Svc,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		API:    api.Config{BaseURL: x.BaseURL, DirectusLoginFloor: -1},
		Config: web.Config{BaseURL: x.BaseURL, TrustedProxies: []string{"0.0.0.0"}},
	})
	for i := range 100 {
		if s := login(trusting, fmt.Sprintf("u%d@example.com", i), "198.51.100.1"); s != http.StatusUnauthorized {
			t.Fatalf("failure #%d behind the proxy: %d", i+1, s)
		}
	}
	if s := login(trusting, "u100@example.com", "198.51.100.1"); s != http.StatusTooManyRequests {
		t.Errorf("101st failure of one client behind the proxy: %d", s)
	}
	if s := login(trusting, "u101@example.com", "198.51.100.2"); s != http.StatusUnauthorized {
		t.Errorf("another client behind the proxy: %d, want its own bucket", s)
	}
	if !strings.Contains(logs.String(), "ip=198.51.100.2") {
		t.Errorf("access log does not show the forwarded client IP:\n%.500s", logs.String())
	}
	// The untrusting app (testenv's) puts every forwarded address in the
	// peer's bucket, which the trusting app did not fill.
	for i := range 100 {
		if s := login(x.App, fmt.Sprintf("v%d@example.com", i), fmt.Sprintf("192.0.2.%d", i+1)); s != http.StatusUnauthorized {
			t.Fatalf("failure #%d: %d", i+1, s)
		}
	}
	if s := login(x.App, "v100@example.com", "192.0.2.200"); s != http.StatusTooManyRequests {
		t.Errorf("forged X-Forwarded-For escaped the peer's bucket: %d", s)
	}
}
