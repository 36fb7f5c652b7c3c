package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// t0 is the fixed "now" of the tests; millisecond precision like the store.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// mustOpen opens a migrated store on a fresh file in t.TempDir.
func mustOpen(t *testing.T) *sqlite.Store {
	t.Helper()
	return mustOpenAt(t, filepath.Join(t.TempDir(), "gatehouse.db"))
}

func mustOpenAt(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// mustUpdate runs fn in one transaction and fails the test on error.
func mustUpdate(t *testing.T, s *sqlite.Store, fn func(tx auth.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// wantCode fails unless err is an *auth.Error with code.
func wantCode(t *testing.T, err error, code string) *auth.Error {
	t.Helper()
	e := auth.AsError(err)
	if e == nil || e.Code != code {
		t.Fatalf("error = %v, want an *auth.Error with code %q", err, code)
	}
	return e
}

// count runs a COUNT query on the writer pool.
func count(t *testing.T, s *sqlite.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := sqlite.WriterDB(s).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "lib")
	s, err := sqlite.Open(filepath.Join(dir, "g.db"), sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode = %v, want 0700", perm)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenRejectsBadKey(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("short")} {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "g.db"), sqlite.Options{PayloadKey: key})
		if err == nil {
			s.Close()
			t.Errorf("Open with %d-byte key: no error", len(key))
		}
	}
}

func TestOpenPathWithURIChars(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd?name#1%2.db")
	s := mustOpenAt(t, path)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateMember(context.Background(), newMember("a@b.c", "")) })
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the literal path: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Migrate(ctx)
	if err != nil || n < 1 {
		t.Fatalf("first Migrate = %d, %v; want >= 1, nil", n, err)
	}
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	rows, err := sqlite.ReaderDB(s).Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for rows.Next() {
		var v, at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		if at <= 0 {
			t.Errorf("version %d: applied_at = %d", v, at)
		}
		versions = append(versions, v)
	}
	rows.Close()
	if len(versions) != n || versions[0] != 1 {
		t.Errorf("recorded versions = %v, want %d starting at 1", versions, n)
	}
	// Seeds: the root group and the three roles.
	if got := count(t, s, `SELECT count(*) FROM "groups" WHERE id = 1 AND parent_id IS NULL AND name = 'Organisation'`); got != 1 {
		t.Errorf("root group rows = %d", got)
	}
	if got := count(t, s, `SELECT count(*) FROM roles WHERE (id, label) IN
		(VALUES (1, 'Account Owner'), (2, 'User Administrator'), (3, 'Maker'))`); got != 3 {
		t.Errorf("seeded roles = %d, want 3", got)
	}
	s.Close()

	// A reopened database needs nothing.
	s2, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, err := s2.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("Migrate after reopen = %d, %v; want 0, nil", n, err)
	}
}

func TestPragmas(t *testing.T) {
	s := mustOpen(t)
	got, err := s.Pragmas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, pool := range []string{"writer.", "reader."} {
		if v := got[pool+"journal_mode"]; v != "wal" {
			t.Errorf("%sjournal_mode = %q, want wal", pool, v)
		}
		if v, err := strconv.Atoi(got[pool+"busy_timeout"]); err != nil || v < 5000 {
			t.Errorf("%sbusy_timeout = %q, want >= 5000", pool, got[pool+"busy_timeout"])
		}
		if v := got[pool+"foreign_keys"]; v != "1" {
			t.Errorf("%sforeign_keys = %q, want 1", pool, v)
		}
		if v := got[pool+"synchronous"]; v != "2" {
			t.Errorf("%ssynchronous = %q, want 2 (FULL)", pool, v)
		}
	}
	// Checkpoints run beside the writer, not inside its commits.
	if v := got["writer.wal_autocheckpoint"]; v != "0" {
		t.Errorf("writer.wal_autocheckpoint = %q, want 0", v)
	}
	if n := sqlite.WriterDB(s).Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", n)
	}
	if n := sqlite.ReaderDB(s).Stats().MaxOpenConnections; n != 4 {
		t.Errorf("reader MaxOpenConnections = %d, want 4 (default)", n)
	}
}

func TestReaderPoolIsReadOnly(t *testing.T) {
	s := mustOpen(t)
	_, err := sqlite.ReaderDB(s).Exec(`INSERT INTO roles (id, label) VALUES (9, 'x')`)
	if err == nil {
		t.Fatal("insert through the read pool succeeded")
	}
}

// TestDependencies holds the house rule: sqlite never reaches fiber, templ,
// web or views.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "gatehouse/internal/sqlite").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/gofiber/", "github.com/a-h/templ", "gatehouse/web", "gatehouse/views", "gatehouse/internal/outbox"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("internal/sqlite depends on %s", dep)
			}
		}
	}
}

// TestBackgroundCheckpoints: with the writer's automatic checkpoint off,
// the store's own checkpointer still copies the WAL into the database
// between bursts of commits, so the WAL restarts instead of growing with
// every commit ever made.
func TestBackgroundCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := mustOpenAt(t, path)
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	n := 0
	burst := func() {
		for range 40 {
			n++
			create(t, s, newMember(fmt.Sprintf("m%d@example.com", n), ""))
		}
		time.Sleep(600 * time.Millisecond) // the checkpointer waits 250 ms, then copies
	}
	burst()
	first := walSize()
	for range 3 {
		burst()
	}
	if got := walSize(); got > 2*first {
		t.Errorf("WAL after 4 bursts is %d bytes, after one %d: no checkpoint ran between them", got, first)
	}
	if c := count(t, s, `SELECT count(*) FROM members`); c != n {
		t.Fatalf("%d members, want %d", c, n)
	}
}
