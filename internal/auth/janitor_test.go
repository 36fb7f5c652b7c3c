package auth_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
	"gatehouse/internal/blob"
	"gatehouse/internal/sqlite"
)

// count runs a SELECT count(*) … on the test's database through its own
// read-only connection.
func count(t *testing.T, dbPath, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestJanitorDeletesDeadRowsOnly: three days after a busy hour, a run
// deletes what is dead past its retention (an expired anonymous token, an
// ended session with its tokens, an expired reset token, sent mail, an idle
// failure counter) and keeps what is alive: a refresh family rotated a
// moment ago (its predecessor still inside the grace window), its session,
// a browser session the account page lists, pending mail.
func TestJanitorDeletesDeadRowsOnly(t *testing.T) {
	e := authtest.New(t, auth.Config{Retention: auth.Retention{Sessions: 48 * time.Hour, Mail: 24 * time.Hour}})
	ann := e.Member(t, "ann@example.com", pw)
	e.Member(t, "bob@example.com", pw)

	// The busy hour.
	anon, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	ended := login(t, e, auth.ViaKuroco, "bob@example.com")
	if err := e.Svc.LogoutToken(ctx, ended.Access); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.RequestPasswordReset(ctx, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	mails := e.Mails(t)
	if len(mails) == 0 {
		t.Fatal("no reset mail queued")
	}
	if err := e.Store.MarkSent(ctx, mails[0].ID, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: "nobody@example.com", Password: "wrong password", Via: auth.ViaKuroco}); err == nil {
		t.Fatal("a login with a wrong password passed")
	}
	family := login(t, e, auth.ViaDirectus, "ann@example.com")
	if n := count(t, e.DBPath, `SELECT count(*) FROM login_failures`); n == 0 {
		t.Fatal("the failed login left no counter")
	}

	// Three days later: ann's directus family rotates (its predecessor is
	// now inside the grace window), ann signs in on the pages (a session
	// /account lists), and a mail is still waiting to go.
	e.Clock.Advance(72 * time.Hour)
	_, rotated, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, family.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	_, page, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: "ann@example.com", Password: pw, Via: auth.ViaPage})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.RequestPasswordReset(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	e.ResolveRequests(t) // the worker's step: the live reset token and its mail
	pendingMail := count(t, e.DBPath, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL`)

	rep, err := e.Svc.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("swept %v", rep)

	gone := map[string]string{
		"anonymous token":  `SELECT count(*) FROM credentials WHERE hash = '` + auth.HashToken(anon.Access) + `'`,
		"ended session":    fmt.Sprintf(`SELECT count(*) FROM sessions WHERE id = %d`, ended.Session.ID),
		"its credentials":  fmt.Sprintf(`SELECT count(*) FROM credentials WHERE session_id = %d`, ended.Session.ID),
		"expired access":   `SELECT count(*) FROM credentials WHERE hash = '` + auth.HashToken(family.Access) + `'`,
		"expired reset":    `SELECT count(*) FROM one_time_tokens WHERE expires_at < ` + fmt.Sprint(e.Clock.Now().Add(-24*time.Hour).UnixMilli()),
		"sent mail":        `SELECT count(*) FROM outbox WHERE sent_at < ` + fmt.Sprint(e.Clock.Now().Add(-24*time.Hour).UnixMilli()),
		"idle failure row": `SELECT count(*) FROM login_failures`,
	}
	for what, q := range gone {
		if n := count(t, e.DBPath, q); n != 0 {
			t.Errorf("%s: %d rows left", what, n)
		}
	}
	kept := map[string]string{
		"rotated refresh (grace window)": `SELECT count(*) FROM credentials WHERE hash = '` + auth.HashToken(family.Refresh) + `'`,
		"current refresh":                `SELECT count(*) FROM credentials WHERE hash = '` + auth.HashToken(rotated.Refresh) + `'`,
		"family session":                 fmt.Sprintf(`SELECT count(*) FROM sessions WHERE id = %d`, rotated.Session.ID),
		"page session":                   fmt.Sprintf(`SELECT count(*) FROM sessions WHERE id = %d`, page.ID),
		"live reset token":               `SELECT count(*) FROM one_time_tokens WHERE expires_at > ` + fmt.Sprint(e.Clock.Now().UnixMilli()),
	}
	for what, q := range kept {
		if n := count(t, e.DBPath, q); n != 1 {
			t.Errorf("%s: %d rows, want 1", what, n)
		}
	}
	if n := count(t, e.DBPath, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dropped_at IS NULL`); n != pendingMail || n == 0 {
		t.Errorf("pending mail: %d rows, want %d", n, pendingMail)
	}
	if n := count(t, e.DBPath, `SELECT count(*) FROM members`); n != 2 {
		t.Errorf("members: %d", n)
	}

	// What was kept still works: the account page lists the session, the
	// grace replay returns the current token, and a later replay is
	// still detected as reuse and ends the family.
	list, err := e.Svc.ListSessions(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Errorf("account page lists %d sessions, want 2 (page and directus)", len(list))
	}
	_, replay, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, family.Refresh)
	if err != nil || replay.Refresh != rotated.Refresh {
		t.Fatalf("grace replay after the sweep: %v (%q, want %q)", err, replay.Refresh, rotated.Refresh)
	}
	e.Clock.Advance(auth.RefreshGrace + time.Second)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, family.Refresh); err == nil {
		t.Fatal("reuse after the grace window passed")
	}
	if alive(e, rotated.Access) {
		t.Fatal("reuse detection did not end the family after the sweep")
	}
}

// sweepSpy records how many rows each janitor transaction deleted.
type sweepSpy struct {
	*sqlite.Store
	mu      sync.Mutex
	batches []int
}

func (s *sweepSpy) Update(ctx context.Context, fn func(auth.Tx) error) error {
	return s.Store.Update(ctx, func(tx auth.Tx) error { return fn(spyTx{tx, s}) })
}

type spyTx struct {
	auth.Tx
	spy *sweepSpy
}

func (t spyTx) Sweep(ctx context.Context, sw auth.Sweep) (int, error) {
	n, err := t.Tx.Sweep(ctx, sw)
	t.spy.mu.Lock()
	t.spy.batches = append(t.spy.batches, n)
	t.spy.mu.Unlock()
	return n, err
}

// deadTokens inserts n expired anonymous tokens in one transaction.
func deadTokens(t *testing.T, st *sqlite.Store, n int, at time.Time) {
	t.Helper()
	err := st.Update(ctx, func(tx auth.Tx) error {
		for i := range n {
			if err := tx.CreateCredential(ctx, auth.Credential{Hash: auth.HashToken(fmt.Sprintf("dead-%d-%d", at.UnixNano(), i)),
				Kind: auth.CredAnonymous, Via: auth.ViaKuroco, CreatedAt: at.Add(-2 * time.Hour), ExpiresAt: at.Add(-time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestJanitorBatchesAreBounded: 1,234 dead rows go in transactions of at
// most Batch rows each (500, 500, 234).
func TestJanitorBatchesAreBounded(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	spy := &sweepSpy{Store: e.Store}
	svc, err := auth.NewService(spy, auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}),
		auth.Config{BaseURL: "https://auth.example.test", Retention: auth.Retention{Batch: 500}}, auth.Options{Now: e.Clock.Now, Blobs: blob.New(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	deadTokens(t, e.Store, 1234, e.Clock.Now())
	rep, err := svc.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep[auth.SweepAnonymous] != 1234 || rep.Total() != 1234 {
		t.Fatalf("report %v, want 1234 anonymous tokens", rep)
	}
	big := 0
	for _, n := range spy.batches {
		if n > 500 {
			t.Errorf("a transaction deleted %d rows", n)
		}
		if n == 500 {
			big++
		}
	}
	if big != 2 {
		t.Errorf("batches %v, want two full batches of 500", spy.batches)
	}
	if n := count(t, e.DBPath, `SELECT count(*) FROM credentials`); n != 0 {
		t.Errorf("%d credentials left", n)
	}
}

// TestJanitorUnderConcurrentLogins: a run deleting 6,000 rows while four
// clients sign in and out without pause: every login and the run succeed
// (no "database is locked"), and logins keep being served during the run.
func TestJanitorUnderConcurrentLogins(t *testing.T) {
	e := authtest.New(t, auth.Config{Retention: auth.Retention{Batch: 500}})
	for i := range 4 {
		e.Member(t, fmt.Sprintf("m%d@example.com", i), pw)
	}
	deadTokens(t, e.Store, 6000, e.Clock.Now())

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var logins, during atomic.Int64
	var sweeping atomic.Bool
	errs := make(chan error, 100)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, tok, err := e.Svc.LoginTokens(context.Background(), auth.LoginInput{Identifier: fmt.Sprintf("m%d@example.com", i), Password: pw, Via: auth.ViaKuroco})
				if err == nil {
					err = e.Svc.LogoutToken(context.Background(), tok.Access)
				}
				if err != nil {
					errs <- err
					return
				}
				logins.Add(1)
				if sweeping.Load() {
					during.Add(1)
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	sweeping.Store(true)
	start := time.Now()
	rep, err := e.Svc.Sweep(context.Background())
	took := time.Since(start)
	sweeping.Store(false)
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("login during the sweep: %v", err)
	}
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if rep[auth.SweepAnonymous] != 6000 {
		t.Errorf("report %v, want 6000 anonymous tokens", rep)
	}
	if during.Load() == 0 {
		t.Errorf("no login was served while the janitor ran (%d in all)", logins.Load())
	}
	t.Logf("sweep of %d rows took %v; %d logins, %d of them during the sweep", rep.Total(), took, logins.Load(), during.Load())
	if strings.Contains(fmt.Sprint(err), "locked") {
		t.Fatal(err)
	}
}

// TestRunJanitorStops: RunJanitor sweeps at once, reports, and returns when
// its context ends; a negative interval turns it off.
func TestRunJanitorStops(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	deadTokens(t, e.Store, 3, e.Clock.Now())
	ctx, cancel := context.WithCancel(context.Background())
	reports := make(chan auth.SweepReport, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Svc.RunJanitor(ctx, func(r auth.SweepReport, err error) {
			if err != nil {
				t.Error(err)
			}
			select {
			case reports <- r:
			default:
			}
		})
	}()
	select {
	case r := <-reports:
		if r.Total() != 3 {
			t.Errorf("first run deleted %v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no run within 10 s")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunJanitor did not return after cancel")
	}
	off, err := auth.NewService(e.Store, auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}),
		auth.Config{BaseURL: "https://auth.example.test", Retention: auth.Retention{Every: -1}}, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	off.RunJanitor(context.Background(), func(auth.SweepReport, error) { ran = true })
	if ran {
		t.Fatal("a janitor turned off ran")
	}
}
