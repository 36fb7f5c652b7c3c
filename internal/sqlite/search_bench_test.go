package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// TestMain removes the benchmark database after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench100k.dir != "" {
		os.RemoveAll(bench100k.dir)
	}
	os.Exit(code)
}

// bench100k is a database of 100,000 members, seeded once per process and
// shared by the sub-benchmarks of BenchmarkSearchMembers100k.
var bench100k struct {
	once sync.Once
	dir  string
	path string
	err  error
}

var (
	benchFirst = []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida",
		"Jonas", "Karin", "Leo", "Mia", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tilda",
		"Uwe", "Vera", "Walter", "Xenia", "Yusuf", "Zoe"}
	benchSyll = []string{"ber", "mann", "son", "dorf", "stein", "berg", "feld", "hoff", "lind",
		"wald", "brook", "ley", "ton", "field", "worth", "ford", "kamp", "horst", "ring"}
)

// benchName is member i's name: many repeats (ties in the name order), and
// "Zebedee" only for three members.
func benchName(i int) string {
	last := benchSyll[i%len(benchSyll)] + benchSyll[(i/len(benchSyll))%len(benchSyll)]
	if i == 777 || i == 55555 || i == 99999 {
		last = "Zebedee"
	}
	return benchFirst[(i/7)%len(benchFirst)] + " " + string(last[0]-32) + last[1:]
}

// seed100k writes the members in one transaction through prepared
// statements: every member a Maker of the root group, every 10,000th an
// Account Owner, every 10th suspended.
func seed100k() (string, error) {
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return "", err
	}
	bench100k.dir = dir
	path := filepath.Join(dir, "bench.db")
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		return "", err
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		return "", err
	}
	db := sqlite.WriterDB(s)
	tx, err := db.Begin()
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(`INSERT INTO members (id, email, email_key, username, name, status,
		password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '$argon2id$x', ?, ?)`)
	if err != nil {
		return "", err
	}
	role, err := tx.Prepare(`INSERT INTO member_roles (member_id, group_id, role_id) VALUES (?, 1, ?)`)
	if err != nil {
		return "", err
	}
	base := t0.UnixMilli()
	for i := 1; i <= 100_000; i++ {
		status := auth.StatusActive
		if i%10 == 0 {
			status = auth.StatusSuspended
		}
		email := fmt.Sprintf("user%d@example.com", i)
		// created_at repeats every 1,000 members: ties in that order too.
		created := base + int64((i*7919)%1000)*int64(time.Minute/time.Millisecond)
		if _, err := ins.Exec(i, email, email, fmt.Sprintf("user%d", i), benchName(i), string(status),
			created, created); err != nil {
			return "", err
		}
		r := auth.RoleMaker
		if i%10_000 == 0 {
			r = auth.RoleOwner
		}
		if _, err := role.Exec(i, int64(r)); err != nil {
			return "", err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	return path, nil
}

func BenchmarkSearchMembers100k(b *testing.B) {
	bench100k.once.Do(func() {
		start := time.Now()
		bench100k.path, bench100k.err = seed100k()
		b.Logf("seeded 100,000 members in %v", time.Since(start).Round(time.Millisecond))
	})
	if bench100k.err != nil {
		b.Fatal(bench100k.err)
	}
	s, err := sqlite.Open(bench100k.path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	for _, c := range []struct {
		name string
		f    auth.MemberFilter
		min  int // members the first page must hold
	}{
		{"first page by id", auth.MemberFilter{}, 50},
		{"first page by name", auth.MemberFilter{Sort: auth.SortName}, 50},
		{"first page by email desc", auth.MemberFilter{Sort: auth.SortEmail, Desc: true}, 50},
		{"first page by created", auth.MemberFilter{Sort: auth.SortCreated}, 50},
		{"suspended by name", auth.MemberFilter{Status: auth.StatusSuspended, Sort: auth.SortName}, 50},
		{"makers (common role) by name", auth.MemberFilter{Role: auth.RoleMaker, Group: auth.RootGroup, Sort: auth.SortName}, 50},
		{"owners (rare role)", auth.MemberFilter{Role: auth.RoleOwner}, 10},
		{"search user4567 prefix", auth.MemberFilter{Query: "user4567"}, 11},
		{"search name substring ebede (rare)", auth.MemberFilter{Query: "ebede"}, 3},
		{"search name substring stein (common) by name", auth.MemberFilter{Query: "stein", Sort: auth.SortName}, 50},
		{"search one letter u", auth.MemberFilter{Query: "u"}, 50},
		{"search broad user9 by email", auth.MemberFilter{Query: "user9", Sort: auth.SortEmail}, 50},
		{"search broad user9 by name desc", auth.MemberFilter{Query: "user9", Sort: auth.SortName, Desc: true}, 50},
		{"search broad stein suspended owners", auth.MemberFilter{Query: "stein", Status: auth.StatusSuspended, Role: auth.RoleOwner}, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.SearchMembers(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Members) < c.min {
					b.Fatalf("%d members, want at least %d", len(page.Members), c.min)
				}
			}
		})
	}
}
