// Package authtest builds an auth.Service for tests on a real SQLite store
// in a temp dir, with a settable clock and cheap (same code path) argon2id
// parameters. It does not start the web layer or the mail worker; queued
// mail can be read with Env.Mails.
package authtest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/blob"
	"gatehouse/internal/sqlite"
)

// Clock is a settable time source.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now returns the real time shifted by every Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// Env is a service over a real store.
type Env struct {
	Svc    *auth.Service
	Store  *sqlite.Store
	Clock  *Clock
	DBPath string

	cfg auth.Config
}

// New builds an Env; cfg may set lifetimes and policies (BaseURL defaults
// to https://auth.example.test).
func New(t testing.TB, cfg auth.Config) *Env {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://auth.example.test"
	}
	cfg.FailureFloor = max(cfg.FailureFloor, time.Millisecond) // B6's floor, small in tests
	e := &Env{Clock: &Clock{}, DBPath: filepath.Join(t.TempDir(), "gatehouse.db"), cfg: cfg}
	e.Reopen(t)
	return e
}

// Reopen is a restart: a new store on the same file (fresh connections, an
// empty read cache), migrated as `serve` does, and a new service over it,
// sharing the clock. The old
// store is left as a crashed process would leave it, and closed at the end
// of the test.
func (e *Env) Reopen(t testing.TB) {
	t.Helper()
	dir := filepath.Dir(e.DBPath)
	key, err := sqlite.LoadOrCreateKey(filepath.Join(dir, "gatehouse.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(e.DBPath, sqlite.Options{PayloadKey: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil { // as serve does on start
		t.Fatal(err)
	}
	svc, err := auth.NewService(st, auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}), e.cfg, auth.Options{Now: e.Clock.Now, Blobs: blob.New(filepath.Join(dir, "files"))})
	if err != nil {
		t.Fatal(err)
	}
	e.Store, e.Svc = st, svc
}

// Member creates an active member with the given password.
func (e *Env) Member(t testing.TB, email, password string) auth.Member {
	t.Helper()
	m, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Password: password, Name: "Test Member"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Mails resolves the pending forgot-password requests as the outbox worker
// does (claim, then Service.ResolveRequest) and returns the queued mails,
// newest first (request rows are not mail and are not listed).
func (e *Env) Mails(t testing.TB) []auth.Mail {
	t.Helper()
	e.ResolveRequests(t)
	ms, err := e.Store.ListMail(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// ResolveRequests resolves every pending forgot-password request now.
func (e *Env) ResolveRequests(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for {
		reqs, err := e.Store.ClaimRequests(ctx, e.Clock.Now(), time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			if err := e.Svc.ResolveRequest(ctx, r); err != nil {
				t.Fatalf("resolve request %d: %v", r.ID, err)
			}
		}
		if len(reqs) < 100 {
			return
		}
	}
}
