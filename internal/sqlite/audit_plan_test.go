package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// TestAuditQueryPlans checks with EXPLAIN QUERY PLAN, on a seeded and
// analysed log, that the admin audit page's queries use their indexes and
// never sort the whole log: the first page walks the primary key, a member
// filter reads (subject_id, id) and (actor_id, id), an event filter reads
// (action, id) in order, a time range reads (at).
func TestAuditQueryPlans(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := sqlite.SeedAudit(path, 20_000, 500); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	now := time.Now()
	for _, c := range []struct {
		name      string
		q         auth.AuditQuery
		want      []string // every one appears in the plan
		forbidden []string
	}{
		{"first page", auth.AuditQuery{}, []string{"SCAN audit_log"}, []string{"TEMP B-TREE", "USING INDEX"}},
		{"next page", auth.AuditQuery{Before: 10_000}, []string{"USING INTEGER PRIMARY KEY"}, []string{"TEMP B-TREE"}},
		{"member", auth.AuditQuery{MemberID: 42}, []string{"audit_log_subject", "audit_log_actor"}, nil},
		{"event", auth.AuditQuery{Action: auth.AuditSignInFailed}, []string{"audit_log_action"}, []string{"TEMP B-TREE"}},
		{"event, next page", auth.AuditQuery{Action: auth.AuditSignInFailed, Before: 10_000}, []string{"audit_log_action"}, []string{"TEMP B-TREE"}},
		{"time range", auth.AuditQuery{From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour)}, []string{"audit_log_at"}, nil},
		// A prefix merges one ordered index read per action: no full scan.
		{"event prefix", auth.AuditQuery{Action: "auth."}, []string{"audit_log_action (action=?)"}, []string{"SCAN audit_log"}},
	} {
		query, args := sqlite.AuditSQL(c.q)
		if strings.HasSuffix(c.q.Action, ".") {
			if query, args, err = sqlite.AuditPrefixSQL(ctx, s, c.q); err != nil || query == "" {
				t.Fatalf("prefix statement: %q %v", query, err)
			}
		}
		rows, err := sqlite.ReaderDB(s).QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, " | ")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: plan %q lacks %q", c.name, text, w)
			}
		}
		for _, f := range c.forbidden {
			if strings.Contains(text, f) {
				t.Errorf("%s: plan %q has %q", c.name, text, f)
			}
		}
		t.Logf("%s: %s", c.name, text)
	}
}
