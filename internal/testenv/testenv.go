// Package testenv builds a whole Gatehouse for tests: real SQLite files in a
// temp dir, the real browser-session store, the real outbox worker sending
// through go-mail to an in-process SMTP server, the auth service on a
// settable clock, and the Fiber app with every route. Only tests import it.
package testenv

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	storage "github.com/gofiber/storage/sqlite3/v2"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
	"gatehouse/internal/blob"
	"gatehouse/internal/mail"
	"gatehouse/internal/metrics"
	"gatehouse/internal/outbox"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/sqlite"
	"gatehouse/web"
	"gatehouse/web/api"
	"gatehouse/web/api/apitest"
)

// FastArgon2 keeps the real argon2id code path at a cost that lets HTTP
// suites run many logins under -race. Production parameters are asserted in
// internal/auth and in web's TestRegisterStoresArgon2idHash.
var FastArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// Options shape one environment.
type Options struct {
	BaseURL  string             // default https://auth.example.test
	Params   *auth.Argon2Params // default FastArgon2
	SMTPAddr string             // send mail here (may be down); default: a fresh smtptest server
	NoSMTP   bool               // dev mode: mail stays in the outbox, /_dev/mail is routed
	Prod     bool               // GATEHOUSE_ENV=prod
	Auth     auth.Config        // overrides; BaseURL is filled in
	API      api.Config         // dialect settings (BaseURL and Secure are filled in)
	Metrics  *metrics.Metrics   // when set, the app records requests into it
	// MetricsToken routes /metrics on the app behind this bearer token.
	MetricsToken string
	ReadyChecks  []web.Check // extra /readyz conditions
	// TrustedProxies, when set, is web.Config.TrustedProxies. App.Test
	// requests come from 0.0.0.0: trusting it lets a test pick each
	// request's client IP with X-Forwarded-For.
	TrustedProxies []string
}

// Env is one running Gatehouse (without a listener: requests go through
// App.Test).
type Env struct {
	T       testing.TB
	App     *fiber.App
	Svc     *auth.Service
	Store   *sqlite.Store
	SMTP    *smtptest.Server // nil with NoSMTP or SMTPAddr
	BaseURL string
	Logs    *SyncBuffer
	Clock   *Clock
	DBPath  string // the main SQLite file
}

// Clock is a settable time source shared by the service and the worker.
type Clock = authtest.Clock

// SyncBuffer is a log sink safe for concurrent writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything logged so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// New builds an environment; everything stops in t.Cleanup.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	dir := t.TempDir()
	if o.BaseURL == "" {
		o.BaseURL = "https://auth.example.test"
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

	e := &Env{T: t, Store: st, BaseURL: o.BaseURL, Logs: &SyncBuffer{}, Clock: &Clock{}, DBPath: filepath.Join(dir, "gatehouse.db")}
	log := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The worker resolves forgot-password requests through the service and
	// the service wakes the worker (as cmd/gatehouse/serve.go wires them);
	// without SMTP (dev mode) it only resolves requests.
	var sender outbox.Sender
	if !o.NoSMTP {
		addr := o.SMTPAddr
		if addr == "" {
			e.SMTP = smtptest.Start(t)
			addr = e.SMTP.Addr()
		}
		smtp, err := mail.NewSMTP("smtp://"+addr, "Gatehouse <no-reply@example.test>")
		if err != nil {
			t.Fatal(err)
		}
		sender = smtp
	}
	var w *outbox.Worker
	notify := func() { w.Notify() }
	params := FastArgon2
	if o.Params != nil {
		params = *o.Params
	}
	cfg := o.Auth
	cfg.BaseURL = o.BaseURL
	cfg.FailureFloor = max(cfg.FailureFloor, time.Millisecond) // B6's floor, small in tests
	e.Svc, err = auth.NewService(st, auth.NewArgon2(params), cfg, auth.Options{Now: e.Clock.Now, Notify: notify, Blobs: blob.New(filepath.Join(dir, "files"))})
	if err != nil {
		t.Fatal(err)
	}
	w = outbox.NewWorker(st, sender, outbox.WorkerOptions{Logger: log, Now: e.Clock.Now, PollInterval: 50 * time.Millisecond,
		BaseBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, SendTimeout: 2 * time.Second, Resolver: e.Svc})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	apiCfg := o.API
	apiCfg.BaseURL = o.BaseURL
	if apiCfg.DirectusLoginFloor == 0 {
		apiCfg.DirectusLoginFloor = -1 // no padding unless a test asks for it
	}
	e.App = web.New(web.Deps{Auth: e.Svc, Sessions: sessions, Logger: log, Ready: st.Ping, API: apiCfg,
		Metrics: o.Metrics, ReadyChecks: o.ReadyChecks,
		Config: web.Config{BaseURL: o.BaseURL, Prod: o.Prod, DevMail: o.NoSMTP && !o.Prod, MetricsToken: o.MetricsToken, TrustedProxies: o.TrustedProxies}})
	return e
}

// WaitRequests waits until the outbox worker has resolved every pending
// forgot-password request (so their mail, if any, is in the outbox).
func (e *Env) WaitRequests() {
	e.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := e.Store.PendingRequests(context.Background())
		if err != nil {
			e.T.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("%d forgot-password requests still pending after 10 s", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CreateMember adds an active member through the service.
func (e *Env) CreateMember(email, password string) auth.Member {
	e.T.Helper()
	m, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Password: password, Name: "Member " + strings.Split(email, "@")[0]})
	if err != nil {
		e.T.Fatal(err)
	}
	return m
}

// Response is a fully read HTTP response.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into a generic value (map, slice, …).
func (r *Response) JSON() map[string]any {
	var v map[string]any
	_ = json.Unmarshal(r.Body, &v)
	return v
}

// Do sends a request through the app. body may be nil, a string (sent as
// is) or any other value (sent as JSON). headers alternate names and values;
// Content-Type defaults to application/json when there is a body.
func (e *Env) Do(method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	req, err := apitest.NewRequest(method, path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.App.Test(req, -1)
	if err != nil {
		e.T.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return &Response{Response: res, Body: raw}
}
