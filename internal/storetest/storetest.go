// Package storetest is the black-box test suite of the store: every engine
// (internal/sqlite, internal/postgres) runs the same tests from its own
// test package through Run, so both keep the promises auth.Store makes.
package storetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/outbox"
	"gatehouse/internal/webhook"
)

// Store is what an engine's store offers: auth.Store, the outbox worker's
// queue, the forgot-password request count and Close.
type Store interface {
	auth.Store
	outbox.Queue
	webhook.Queue
	PendingRequests(ctx context.Context) (int, error)
	Close() error
}

// DB runs raw SQL, written with "?" placeholders, on the engine's
// database: the tests check what is stored (sealed columns, cascades).
type DB interface {
	Exec(query string, args ...any) (sql.Result, error)
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
}

// Engine opens stores of one engine.
type Engine struct {
	// Open returns a migrated store on a fresh, empty database with
	// TestKey as its payload key; the store is closed when t ends.
	Open func(t *testing.T) Store
	// Reopen opens the database of s a second time with another payload
	// key (not migrated; the caller closes it).
	Reopen func(t *testing.T, s Store, key []byte) (Store, error)
	// Raw is the raw SQL access to the database of s.
	Raw func(s Store) DB
}

// TestKey is the payload key of the stores Open returns.
var TestKey = []byte("0123456789abcdef0123456789abcdef")

// eng is the engine under test. Each engine's tests are their own test
// binary, so one package variable set by Run serves.
var eng Engine

// Run runs every test of the suite against e, each as a subtest.
func Run(t *testing.T, e Engine) {
	eng = e
	for _, tc := range tests {
		t.Run(tc.name, tc.fn)
	}
}

// t0 is the fixed "now" of the tests; millisecond precision like the store.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

var testKey = TestKey

// mustOpen opens a migrated store on a fresh database.
func mustOpen(t *testing.T) Store {
	t.Helper()
	return eng.Open(t)
}

func rawDB(s Store) DB { return eng.Raw(s) }

// mustUpdate runs fn in one transaction and fails the test on error.
func mustUpdate(t *testing.T, s Store, fn func(tx auth.Tx) error) {
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

// count runs a COUNT query on the raw database.
func count(t *testing.T, s Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := rawDB(s).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
