package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	storage "github.com/gofiber/storage/sqlite3/v2"
	_ "github.com/mattn/go-sqlite3"

	"gatehouse/internal/auth"
	"gatehouse/internal/mail"
	"gatehouse/internal/outbox"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/sqlite"
	"gatehouse/web"
)

// fastArgon2 keeps the real argon2id code path at a cost that lets the HTTP
// suite run many logins under -race. The production parameters are asserted
// in internal/auth and by TestRegisterStoresArgon2idHash.
var fastArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// env is one Gatehouse instance for a test: real SQLite files, the real
// session storage, the real outbox worker sending through go-mail to an
// in-process SMTP server, and the Fiber app.
type env struct {
	t       *testing.T
	app     *fiber.App
	svc     *auth.Service
	store   *sqlite.Store
	smtp    *smtptest.Server
	baseURL string
	logs    *syncBuffer
	clock   *clock
}

type envOptions struct {
	baseURL  string
	params   *auth.Argon2Params
	smtpAddr string // when set, mail goes to this address (which may be down)
	noSMTP   bool   // dev mode: mail stays in the outbox, /_dev/mail is routed
	prod     bool
}

// clock is a settable time source for the auth service.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	dir := t.TempDir()
	if o.baseURL == "" {
		o.baseURL = "https://auth.example.test"
	}
	key, err := sqlite.LoadOrCreateKey(filepath.Join(dir, "gatehouse.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(dir, "gatehouse.db"), sqlite.Options{PayloadKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	sessDB, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "sessions.db")+"?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	sessDB.SetMaxOpenConns(4)
	sessions := storage.NewFromConnection(sessDB, storage.Config{Table: "sessions"})
	t.Cleanup(func() { sessions.Close(); sessDB.Close() })

	e := &env{t: t, store: st, baseURL: o.baseURL, logs: &syncBuffer{}, clock: &clock{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	notify := func() {}
	if !o.noSMTP {
		addr := o.smtpAddr
		if addr == "" {
			e.smtp = smtptest.Start(t)
			addr = e.smtp.Addr()
		}
		sender, err := mail.NewSMTP("smtp://"+addr, "Gatehouse <no-reply@example.test>")
		if err != nil {
			t.Fatal(err)
		}
		w := outbox.NewWorker(st, sender, outbox.WorkerOptions{Logger: log, Now: e.clock.now, PollInterval: 50 * time.Millisecond,
			BaseBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, SendTimeout: 2 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = w.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		notify = w.Notify
	}
	params := fastArgon2
	if o.params != nil {
		params = *o.params
	}
	e.svc, err = auth.NewService(st, auth.NewArgon2(params), auth.Config{BaseURL: o.baseURL}, auth.Options{Now: e.clock.now, Notify: notify})
	if err != nil {
		t.Fatal(err)
	}
	e.app = web.New(web.Deps{Auth: e.svc, Sessions: sessions, Logger: log, Ready: st.Ping,
		Config: web.Config{BaseURL: o.baseURL, Prod: o.prod, DevMail: o.noSMTP && !o.prod}})
	return e
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
