package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var testKey = []byte("0123456789abcdef0123456789abcdef")

// openURL opens (without migrating) the store at url, closed at cleanup.
func openURL(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(url, postgres.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`a = ? AND b = ?`: `a = $1 AND b = $2`,
		`a <= ?1 AND (b IS NULL OR b <= ?1) LIMIT ?2`: `a <= $1 AND (b IS NULL OR b <= $1) LIMIT $2`,
		`kind = 'x?' AND "we?ird" = ?`:                `kind = 'x?' AND "we?ird" = $1`,
	} {
		if got := postgres.Rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// Three nodes starting together: the advisory lock lets one migrate, the
// others find every version applied, and each version is recorded once.
func TestMigrateConcurrentNodes(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	applied := make([]int, 3)
	errs := make([]error, 3)
	for i := range 3 {
		s := openURL(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if want := int(postgres.LatestMigration()); total != want {
		t.Fatalf("migrations applied %d times in all (%v), want each once (%d)", total, applied, want)
	}
	s := openURL(t, url)
	var n int
	if err := postgres.RawDB(s).QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != int(postgres.LatestMigration()) {
		t.Fatalf("schema_migrations rows = %d, %v; want 1", n, err)
	}
	if again, err := s.Migrate(ctx); err != nil || again != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", again, err)
	}
}

// A conflict on CreateMember is ECONFLICT naming the field, and the
// transaction goes on: a later statement in the same Update still works
// (PostgreSQL would abort the whole transaction without the savepoint).
func TestConflictLeavesTransactionUsable(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	s := openURL(t, url)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	first := &auth.Member{Email: "a@example.com", Username: "a", Status: auth.StatusActive}
	if err := s.Update(ctx, func(tx auth.Tx) error { return tx.CreateMember(ctx, first) }); err != nil {
		t.Fatal(err)
	}
	var conflict error
	err := s.Update(ctx, func(tx auth.Tx) error {
		conflict = tx.CreateMember(ctx, &auth.Member{Email: "A@example.com", Username: "b", Status: auth.StatusActive})
		return tx.CreateMember(ctx, &auth.Member{Email: "c@example.com", Username: "c", Status: auth.StatusActive})
	})
	if err != nil {
		t.Fatalf("the statement after a conflict failed: %v", err)
	}
	e := auth.AsError(conflict)
	if e == nil || e.Code != auth.ECONFLICT || e.Fields["email"] == "" {
		t.Fatalf("conflict = %v, want ECONFLICT on email", conflict)
	}
	err = s.Update(ctx, func(tx auth.Tx) error {
		return tx.CreateMember(ctx, &auth.Member{Email: "d@example.com", Username: "a", Status: auth.StatusActive})
	})
	if e := auth.AsError(err); e == nil || e.Code != auth.ECONFLICT || e.Fields["username"] == "" {
		t.Fatalf("username conflict = %v", err)
	}
	if _, err := s.MemberByLogin(ctx, "c@example.com"); err != nil {
		t.Fatalf("member c: %v", err)
	}
	if _, err := s.MemberByID(ctx, 999); auth.AsError(err) == nil || auth.AsError(err).Code != auth.ENOTFOUND {
		t.Fatalf("missing member: %v", err)
	}
}
