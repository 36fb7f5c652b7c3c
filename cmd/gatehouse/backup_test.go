package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestE2EBackupMidWriteRestore: a backup taken by the real binary while
// registrations stream into the running server holds every registration
// acknowledged before it started; restore refuses while a server holds the
// target, installs the backup into a fresh data directory, and a server
// started on it signs in a member from the backup.
func TestE2EBackupMidWriteRestore(t *testing.T) {
	dir := t.TempDir()
	e := env{"GATEHOUSE_DB": filepath.Join(dir, "a", "gatehouse.db"), "GATEHOUSE_IP_RATE_LIMIT": "off"}
	s := startServer(t, e)
	ctx := context.Background()
	hc := loadClient(16, 30*time.Second)

	var (
		mu    sync.Mutex
		acked []credentials // in order of acknowledgement
	)
	register := func(email, pw string) bool {
		r := send(ctx, hc, "POST", s.base+"/auth/register", registerBody("Backup Tester", email, pw))
		if r.status != http.StatusCreated {
			return false
		}
		mu.Lock()
		acked = append(acked, credentials{email, pw})
		mu.Unlock()
		return true
	}
	if !register("first@example.com", "first-"+strongPassword) {
		t.Fatal("setup registration failed")
	}

	// The storm: 4 clients registering until stopped.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				register(fmt.Sprintf("storm-%d-%d@example.com", c, i), fmt.Sprintf("storm-%d-%d-%s", c, i, strongPassword))
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	mu.Lock()
	before := append([]credentials(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(dir, "backup.db")
	out, stderr, err := runBinary(t, e, "backup", "--to", backup)
	time.Sleep(300 * time.Millisecond) // writes go on after the backup
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s%s", err, out, stderr)
	}
	t.Logf("%s; %d registrations acknowledged before it started, %d in all", strings.TrimSpace(out), len(before), len(acked))
	if len(before) < 2 || len(acked) <= len(before) {
		t.Fatalf("the backup did not run mid-storm: %d acknowledged before, %d in all", len(before), len(acked))
	}
	if _, _, err := runBinary(t, e, "backup", "--to", backup); err == nil {
		t.Error("backup overwrote an existing file")
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: %v %v", fi, err)
	}

	// Restore over the running server's database is refused.
	if out, stderr, err := runBinary(t, e, "restore", "--from", backup); err == nil || !strings.Contains(stderr, "server is running") {
		t.Fatalf("restore beside a running server: %v\n%s%s", err, out, stderr)
	}

	// Restore into a fresh directory and serve from it.
	e2 := env{"GATEHOUSE_DB": filepath.Join(dir, "b", "gatehouse.db"), "GATEHOUSE_IP_RATE_LIMIT": "off"}
	if _, stderr, err := runBinary(t, e2, "restore", "--from", backup); err == nil || !strings.Contains(stderr, "--key") {
		t.Fatalf("restore without the payload key: %v %s", err, stderr)
	}
	if out, stderr, err := runBinary(t, e2, "restore", "--from", backup, "--key", filepath.Join(dir, "a", "gatehouse.key")); err != nil {
		t.Fatalf("restore: %v\n%s%s", err, out, stderr)
	}
	s2 := startServer(t, e2)
	for _, c := range []credentials{before[0], before[len(before)-1]} {
		if _, _, r := wmeLogin(ctx, hc, s2.base, c.email, c.password); r.status != http.StatusOK {
			t.Errorf("sign-in of %s (acknowledged before the backup) on the restored server: %d %s", c.email, r.status, r.body)
		}
	}
	// Every registration acknowledged before the backup started is in it.
	db, err := sql.Open("sqlite3", "file:"+backup+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range before {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM members WHERE email = ?`, c.email).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s acknowledged before the backup is missing from it (%v)", c.email, err)
		}
	}
}

// TestRestoreRefusesBadBackups: a file that is not a database, a database
// that is not Gatehouse's, and one from a newer schema are refused, and
// the target is left alone.
func TestRestoreRefusesBadBackups(t *testing.T) {
	dir := t.TempDir()
	e := env{"GATEHOUSE_DB": filepath.Join(dir, "live", "gatehouse.db")}
	if _, stderr, err := runBinary(t, e, "migrate"); err != nil {
		t.Fatal(err, stderr)
	}
	good := filepath.Join(dir, "good.db")
	if _, stderr, err := runBinary(t, e, "backup", "--to", good); err != nil {
		t.Fatal(err, stderr)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 500)), 0o600)
	foreign := filepath.Join(dir, "foreign.db")
	execSQL(t, foreign, `CREATE TABLE t (x)`)
	newer := filepath.Join(dir, "newer.db")
	raw, _ := os.ReadFile(good)
	os.WriteFile(newer, raw, 0o600)
	execSQL(t, newer, `INSERT INTO schema_migrations (version, applied_at) VALUES (99999, 0)`)

	target := env{"GATEHOUSE_DB": filepath.Join(dir, "target", "gatehouse.db")}
	for name, want := range map[string]string{junk: "not a SQLite database", foreign: "not a Gatehouse database", newer: "newer Gatehouse", filepath.Join(dir, "missing.db"): "no such file"} {
		_, stderr, err := runBinary(t, target, "restore", "--from", name)
		if err == nil || !strings.Contains(stderr, want) {
			t.Errorf("restore --from %s: %v, stderr %q (want %q)", filepath.Base(name), err, stderr, want)
		}
	}
	if _, err := os.Stat(target["GATEHOUSE_DB"]); err == nil {
		t.Error("a refused restore created the database")
	}
	if _, stderr, err := runBinary(t, target, "restore", "--from", good); err != nil {
		t.Fatalf("restore of a good backup: %v %s", err, stderr)
	}
}

// execSQL runs one statement on the SQLite file at path.
func execSQL(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}
