package sqlite_test

import (
	"context"
	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
	"math"
	"path/filepath"
	"testing"
)

// TestMigrate0003OnTop upgrades a database as release 0002 left it.
func TestMigrate0003OnTop(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "g.db"), sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := sqlite.MigrateTo(ctx, s, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.WriterDB(s).Exec(`INSERT INTO members (id, email, email_key, username, name, status,
		created_at, updated_at) VALUES (7, 'Old@Example.com', 'old@example.com', 'old', 'Old Timer', 'active', 1000, 1000)`); err != nil {
		t.Fatal(err)
	}
	if n, err := sqlite.MigrateTo(ctx, s, 3); err != nil || n != 1 {
		t.Fatalf("Migrate on top of 0002 = %d, %v; want 1, nil", n, err)
	}
	// The store's queries read today's member columns (0013 added some):
	// bring the rest of the schema up before using them.
	if _, err := sqlite.MigrateTo(ctx, s, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	page, err := s.SearchMembers(ctx, auth.MemberFilter{Query: "timer", Sort: auth.SortName})
	if err != nil || len(page.Members) != 1 || page.Members[0].ID != 7 {
		t.Errorf("search after 0003 = %+v, %v", page, err)
	}
	for _, name := range []string{"members_name", "members_created", "members_status", "members_status_email",
		"members_status_name", "members_status_created", "audit_log_actor", "audit_log_subject",
		"audit_log_action", "proxy_grants_actor", "files_member"} {
		if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, name); n != 1 {
			t.Errorf("index %s missing", name)
		}
	}
}
