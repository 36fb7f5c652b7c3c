package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/sqlite"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// env is one Gatehouse instance for a test (see internal/testenv).
type env struct {
	t       *testing.T
	app     *fiber.App
	svc     *auth.Service
	store   *sqlite.Store
	smtp    *smtptest.Server
	baseURL string
	logs    *testenv.SyncBuffer
	clock   *testenv.Clock
	x       *testenv.Env
}

type envOptions struct {
	baseURL  string
	params   *auth.Argon2Params
	smtpAddr string // when set, mail goes to this address (which may be down)
	noSMTP   bool   // dev mode: mail stays in the outbox, /_dev/mail is routed
	prod     bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	x := testenv.New(t, testenv.Options{BaseURL: o.baseURL, Params: o.params, SMTPAddr: o.smtpAddr, NoSMTP: o.noSMTP, Prod: o.prod})
	return &env{t: t, app: x.App, svc: x.Svc, store: x.Store, smtp: x.SMTP, baseURL: x.BaseURL, logs: x.Logs, clock: x.Clock, x: x}
}

// createMember adds a member directly through the service.
func (e *env) createMember(email, password string) auth.Member {
	e.t.Helper()
	m, err := e.svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Password: password, Name: "Member " + email})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// browser is a minimal cookie-keeping client over app.Test.
type browser struct {
	e       *env
	cookies map[string]string
	headers map[string]string
}

func (e *env) browser() *browser {
	return &browser{e: e, cookies: map[string]string{}, headers: map[string]string{}}
}

// response is a read response.
type response struct {
	*http.Response
	body string
}

func (r *response) location() string { return r.Header.Get("Location") }

func (b *browser) do(req *http.Request) *response {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	res, err := b.e.app.Test(req, -1)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return &response{Response: res, body: string(body)}
}

func (b *browser) get(path string) *response {
	b.e.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// postRaw posts the form as is (no CSRF token added).
func (b *browser) postRaw(path string, form url.Values, headers ...string) *response {
	b.e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// sansCSRF blanks the CSRF tokens of a page, which are masked afresh on
// every render, so two renderings of the same page compare equal.
func sansCSRF(body string) string {
	return csrfRE.ReplaceAllString(body, `name="_csrf" value=""`)
}

// csrf loads page and returns the CSRF token of its first form.
func (b *browser) csrf(page string) string {
	b.e.t.Helper()
	r := b.get(page)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (status %d)", page, r.StatusCode)
	}
	return m[1]
}

// submit loads the page with the form, then posts form with its CSRF token.
func (b *browser) submit(page, action string, form url.Values, headers ...string) *response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf(page))
	return b.postRaw(action, form, headers...)
}

func (b *browser) login(identifier, password string) *response {
	b.e.t.Helper()
	return b.submit("/login", "/login", url.Values{"identifier": {identifier}, "password": {password}})
}

// mustLogin logs in and fails the test unless it lands on /account.
func (b *browser) mustLogin(identifier, password string) {
	b.e.t.Helper()
	if r := b.login(identifier, password); r.StatusCode != http.StatusSeeOther || r.location() != "/account" {
		b.e.t.Fatalf("login %s: status %d location %q", identifier, r.StatusCode, r.location())
	}
}

// signedIn reports whether GET /account shows the account page.
func (b *browser) signedIn() bool {
	b.e.t.Helper()
	r := b.get("/account")
	return r.StatusCode == http.StatusOK && strings.Contains(r.body, `data-testid="account-heading"`)
}

func expectStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d; location %q; body:\n%.2000s", r.StatusCode, want, r.location(), r.body)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func base64URLDecode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// transport sends an apitest.Scenario's request as this browser: with its
// cookies, keeping the ones the answer sets (Scenario.Transport).
func (b *browser) transport(req *http.Request) (*http.Response, error) {
	r := b.do(req)
	r.Response.Body = io.NopCloser(strings.NewReader(r.body))
	return r.Response, nil
}

// formScenario is a scenario posting form to action as b, with the CSRF
// token of page (loaded first, as a browser would).
func (b *browser) formScenario(name, page, action string, form url.Values) apitest.Scenario {
	b.e.t.Helper()
	form.Set("_csrf", b.csrf(page))
	return apitest.Scenario{Name: name, Method: http.MethodPost, URL: action, Body: form.Encode(),
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, Transport: b.transport}
}
