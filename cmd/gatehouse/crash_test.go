package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver internal/sqlite uses
)

// TestCrashRecovery is L3: a write storm (registrations, password changes,
// refresh token revocations) is cut by SIGKILL at a random moment 50–500 ms
// in; after a restart on the same database every acknowledged write is
// there, and the database is whole. 3 rounds, 20 with -long, all on the same
// database.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	rounds := 3
	if *long {
		rounds = 20
	}
	db := filepath.Join(t.TempDir(), "gatehouse.db")
	e := env{"GATEHOUSE_DB": db, "GATEHOUSE_IP_RATE_LIMIT": "off"}
	seed := time.Now().UnixNano()
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for r := range rounds {
		crashRound(t, e, r, time.Duration(50+rng.IntN(451))*time.Millisecond)
		if t.Failed() {
			return
		}
	}
}

// credentials is an email and the password it must sign in with.
type credentials struct{ email, password string }

// wmeLogin signs in through POST /v1/login.
func wmeLogin(ctx context.Context, c *http.Client, base, email, password string) (access, refresh string, r reply) {
	r = send(ctx, c, "POST", base+"/v1/login", map[string]string{"username": email, "password": password})
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if r.status == http.StatusOK {
		_ = json.Unmarshal(r.body, &out)
	}
	return out.AccessToken, out.RefreshToken, r
}

func crashRound(t *testing.T, e env, round int, killAfter time.Duration) {
	t.Helper()
	const changers, revokers, registrars = 6, 8, 3
	ctx := context.Background()
	hc := loadClient(32, 10*time.Second)
	s := startServer(t, e)
	oldPW := func(i int) string { return fmt.Sprintf("old-%02d-%02d-%s", round, i, strongPassword) }
	newPW := func(i int) string { return fmt.Sprintf("new-%02d-%02d-%s", round, i, strongPassword) }
	changeEmail := func(i int) string { return fmt.Sprintf("change-%02d-%02d@example.com", round, i) }
	revokeEmail := func(i int) string { return fmt.Sprintf("revoke-%02d-%02d@example.com", round, i) }

	// Setup, acknowledged before the storm: members whose password will
	// change (with an access token each), members whose refresh token will
	// be revoked (a session of their own, so no password change ends it).
	access := make([]string, changers)
	refresh := make([]string, revokers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var setupErrs []string
	setupOne := func(email, password string, got *string, wantRefresh bool) {
		defer wg.Done()
		r := send(ctx, hc, "POST", s.base+"/auth/register", registerBody("Crash Tester", email, password))
		a, rt, lr := wmeLogin(ctx, hc, s.base, email, password)
		mu.Lock()
		defer mu.Unlock()
		if r.status != http.StatusCreated || lr.status != http.StatusOK {
			setupErrs = append(setupErrs, fmt.Sprintf("%s: register %d %v %s; login %d %v %s", email, r.status, r.err, r.body, lr.status, lr.err, lr.body))
		}
		*got = a
		if wantRefresh {
			*got = rt
		}
	}
	for i := range changers {
		wg.Add(1)
		go setupOne(changeEmail(i), oldPW(i), &access[i], false)
	}
	for i := range revokers {
		wg.Add(1)
		go setupOne(revokeEmail(i), oldPW(100+i), &refresh[i], true)
	}
	wg.Wait()
	if len(setupErrs) > 0 {
		t.Fatalf("round %d setup: %v", round, setupErrs)
	}

	// The storm. Every 2xx is recorded as acknowledged.
	var (
		ackRegister []credentials
		ackChange   []int
		ackRevoke   []int
	)
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	for g := range registrars {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; !stopped(); k++ {
				c := credentials{fmt.Sprintf("reg-%02d-%d-%04d@example.com", round, g, k), fmt.Sprintf("reg-%02d-%d-%04d-%s", round, g, k, strongPassword)}
				if r := send(ctx, hc, "POST", s.base+"/auth/register", registerBody("Crash Tester", c.email, c.password)); r.status == http.StatusCreated {
					mu.Lock()
					ackRegister = append(ackRegister, c)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range changers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * killAfter / (2 * changers)) // spread over the storm
			r := send(ctx, hc, "POST", s.base+"/v1/change-password", map[string]string{
				"access_token": access[i], "previous_password": oldPW(i), "proposed_password": newPW(i),
			})
			if r.status == http.StatusNoContent {
				mu.Lock()
				ackChange = append(ackChange, i)
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range revokers {
			time.Sleep(killAfter / revokers)
			if stopped() {
				return
			}
			if r := send(ctx, hc, "POST", s.base+"/v1/token-revoke", map[string]string{"refresh_token": refresh[i]}); r.status == http.StatusNoContent {
				mu.Lock()
				ackRevoke = append(ackRevoke, i)
				mu.Unlock()
			}
		}
	}()

	time.Sleep(killAfter)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.exited
	close(stop)
	wg.Wait()
	t.Logf("round %d: SIGKILL after %v; acknowledged %d registrations, %d password changes, %d revocations",
		round, killAfter, len(ackRegister), len(ackChange), len(ackRevoke))

	// Restart on the same database and check every acknowledged write.
	s = startServer(t, e)
	for _, c := range ackRegister {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, r := wmeLogin(ctx, hc, s.base, c.email, c.password); r.status != http.StatusOK {
				t.Errorf("round %d: acknowledged registration %s does not sign in: %d %v %s", round, c.email, r.status, r.err, r.body)
			}
		}()
	}
	for _, i := range ackChange {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, r := wmeLogin(ctx, hc, s.base, changeEmail(i), newPW(i)); r.status != http.StatusOK {
				t.Errorf("round %d: acknowledged password change of %s lost: new password %d %v %s", round, changeEmail(i), r.status, r.err, r.body)
			}
			if _, _, r := wmeLogin(ctx, hc, s.base, changeEmail(i), oldPW(i)); r.status != http.StatusUnauthorized {
				t.Errorf("round %d: after an acknowledged change the old password of %s answers %d, want 401", round, changeEmail(i), r.status)
			}
		}()
	}
	for _, i := range ackRevoke {
		r := send(ctx, hc, "POST", s.base+"/v1/token-refresh", map[string]string{"username": revokeEmail(i), "refresh_token": refresh[i]})
		if r.status == http.StatusOK || r.status >= 500 || r.err != nil {
			t.Errorf("round %d: acknowledged revocation of %s's refresh token lost: refresh answers %d %v %s", round, revokeEmail(i), r.status, r.err, r.body)
		}
	}
	wg.Wait()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 30*time.Second); err != nil {
		t.Errorf("round %d: exit after SIGTERM: %v", round, err)
	}
	checkDatabase(t, e["GATEHOUSE_DB"])
}

// checkDatabase opens the database read-only (no server running) and checks
// its settings and its consistency: WAL mode (L2), integrity_check ok, no
// foreign key violation, no half-written member (no password hash yet is
// only normal for an invitation), no credential without its session.
func checkDatabase(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	str := func(q string) string {
		var v string
		if err := db.QueryRow(q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	if v := str("PRAGMA journal_mode"); v != "wal" {
		t.Errorf("journal_mode = %q, want wal", v)
	}
	if v := str("PRAGMA integrity_check"); v != "ok" {
		t.Errorf("integrity_check = %q, want ok", v)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		t.Errorf("PRAGMA foreign_key_check reports a violation")
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for q, what := range map[string]string{
		`SELECT count(*) FROM members WHERE password_hash = '' AND status <> 'invited'`: "members without a password hash that are not invited",
		`SELECT count(*) FROM credentials c WHERE c.session_id IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = c.session_id)`: "credentials whose session is missing",
		`SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = s.member_id)`: "sessions whose member is missing",
	} {
		if n := str(q); n != "0" {
			t.Errorf("%s: %s", what, n)
		}
	}
}

// TestCrashDatabaseSettingsAfterRun is L2 from outside: after the real
// binary served and stopped, the database file is in WAL mode and whole.
func TestCrashDatabaseSettingsAfterRun(t *testing.T) {
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	if r := send(context.Background(), loadClient(1, 10*time.Second), "POST", s.base+"/auth/register",
		registerBody("Wal Checker", "wal@example.com", strongPassword)); r.status != http.StatusCreated {
		t.Fatalf("register: %d %v %s", r.status, r.err, r.body)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 30*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	checkDatabase(t, e["GATEHOUSE_DB"])
}
