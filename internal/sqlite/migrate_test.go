package sqlite_test

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// TestMigrate0002OnTop upgrades a database as release 0001 left it, with
// data in it, and checks the old rows read back with the new defaults.
func TestMigrate0002OnTop(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := sqlite.MigrateTo(ctx, s, 1); err != nil || n != 1 {
		t.Fatalf("MigrateTo(1) = %d, %v; want 1, nil", n, err)
	}
	// Rows written by the 0001 release, in its own column lists.
	db := sqlite.WriterDB(s)
	for _, q := range []string{
		`INSERT INTO members (id, email, email_key, username, status, created_at, updated_at)
			VALUES (7, 'Old@Example.com', 'old@example.com', 'old', 'active', 1000, 1000)`,
		`INSERT INTO one_time_tokens (hash, kind, member_id, created_at, expires_at)
			VALUES ('h', 'reset', 7, 1000, 2000)`,
		`INSERT INTO sessions (id, member_id, via, created_at, last_used_at, expires_at)
			VALUES (3, 7, 'page', 1000, 1000, 999999999999)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE name IN ('credentials', 'signing_keys')`); n != 0 {
		t.Fatalf("0002 tables exist before migrating to 2")
	}

	if n, err := sqlite.MigrateTo(ctx, s, 2); err != nil || n != 1 {
		t.Fatalf("Migrate on top of 0001 = %d, %v; want 1, nil", n, err)
	}
	var versions []int64
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	if !reflect.DeepEqual(versions, []int64{1, 2}) {
		t.Errorf("schema_migrations = %v, want [1 2]", versions)
	}
	if n := count(t, s, `SELECT max(version) FROM schema_migrations`); n != 2 {
		t.Errorf("schema version = %d, want 2", n)
	}
	if n, err := sqlite.MigrateTo(ctx, s, 2); err != nil || n != 0 {
		t.Errorf("Migrate again = %d, %v; want 0, nil", n, err)
	}
	// The store's queries read today's member columns (0013 added some):
	// bring the rest of the schema up before using them.
	if _, err := sqlite.MigrateTo(ctx, s, math.MaxInt64); err != nil {
		t.Fatal(err)
	}

	m, err := s.MemberByID(ctx, 7)
	if err != nil || m.Username != "old" || m.MFAEnabled || m.MFASecret != "" || m.MFALastStep != 0 {
		t.Errorf("old member after 0002 = %+v, %v", m, err)
	}
	tok, err := s.TokenByHash(ctx, "h")
	if err != nil || tok.MemberID != 7 || tok.Secret2Hash != "" || tok.Attempts != 0 {
		t.Errorf("old token after 0002 = %+v, %v", tok, err)
	}
	// The new tables work against the old rows.
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateCredential(ctx, auth.Credential{Hash: "r", Kind: auth.CredRefresh, SessionID: 3,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.SetMFA(ctx, 7, totpSecret, true); err != nil {
			return err
		}
		_, err := tx.AddTokenAttempt(ctx, "h")
		return err
	})
	if m, _ := s.MemberByID(ctx, 7); !m.MFAEnabled || m.MFASecret != totpSecret {
		t.Errorf("MFA on the old member = %v %q", m.MFAEnabled, m.MFASecret)
	}
	// The index of 0002 that stays exists; 0015 dropped credentials_parent.
	if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'credentials_session'`); n != 1 {
		t.Errorf("credentials_session indexes = %d, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'credentials_parent'`); n != 0 {
		t.Errorf("credentials_parent still there")
	}
}
