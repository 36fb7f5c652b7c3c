package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"
)

// Firebase's published example project (github.com/firebase/scrypt).
var firebaseFlags = []string{
	"--firebase-signer-key", "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
	"--firebase-salt-separator", "Bw==", "--firebase-rounds", "8", "--firebase-mem-cost", "14",
}

// writeLines writes one JSON object per line.
func writeLines(t *testing.T, path string, rows []map[string]any) {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// queryInt runs a one-number query on the database file.
func queryInt(t *testing.T, db, q string, args ...any) int {
	t.Helper()
	c, err := sql.Open("sqlite3", "file:"+db+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestE2EImport: a dry run writes nothing; the import takes the good rows,
// reports the bad ones with their lines, and imported members sign in
// through API doors with their old hashes, which are then argon2id.
func TestE2EImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "gatehouse.db")
	e := env{"GATEHOUSE_DB": db, "GATEHOUSE_IP_RATE_LIMIT": "off"}
	bc, err := bcrypt.GenerateFromPassword([]byte("pocketbase-"+strongPassword), 10)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "members.jsonl")
	writeLines(t, file, []map[string]any{
		{"email": "bea@example.com", "username": "bea", "name": "Bea Bcrypt", "password_hash": string(bc)},
		{"email": "fay@example.com", "first_name": "Fay", "last_name": "Firebase", "password_hash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "salt": "42xEC+ixf3L2lw=="},
		{"email": "kim@example.com", "password_hash": map[string]any{"algorithm": "pbkdf2-sha256", "hashIterations": 80000, "salt": "TmFDbA==",
			"value": "TdzY9guYviGDDO5e8icB+WQaRBjQTAQUrv8Ih2s0q1ah1CWhIlgzVJrbhBtRybMXaicr3ruh0HhHj2Kzl/M8jQ=="}},
		{"email": "dan@example.com", "password_hash": "pbkdf2_sha256$870000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac="},
		{"email": "sam@example.com", "password_hash": "$s0$e0801$epIxT/h6HbbwHaehFnh/bw==$7H0vsXlY8UxxyW/BWx/9GuY7jEvGjT71GFd6O4SZND0="},
		{"email": "ari@example.com", "password_hash": "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"},
		{"email": "not an email", "password_hash": string(bc)},
		{"email": "md5@example.com", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"},
		{"email": "BEA@example.com", "password_hash": string(bc)},
		{"email": "nopw@example.com"},
	})
	// Without the Firebase project's parameters its row cannot be read.
	if _, stderr, _ := runBinary(t, e, "import", file, "--dry-run"); !strings.Contains(stderr, "line 2: password_hash:") {
		t.Errorf("Firebase row without --firebase-*: %s", stderr)
	}
	out, stderr, err := runBinary(t, e, append([]string{"import", file, "--dry-run"}, firebaseFlags...)...)
	if err == nil || !strings.Contains(out, "dry run: would import 7 members, rejected 3 rows") {
		t.Fatalf("dry run: %v\n%s%s", err, out, stderr)
	}
	for _, want := range []string{"line 7: email:", "line 8: password_hash:", "line 9: email is also on line 1"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM members`); n != 0 {
		t.Fatalf("the dry run wrote %d members", n)
	}
	out, stderr, err = runBinary(t, e, append([]string{"import", file, "--batch", "4"}, firebaseFlags...)...)
	if err == nil || !strings.Contains(out, "imported 7 members, rejected 3 rows") {
		t.Fatalf("import: %v\n%s%s", err, out, stderr)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM members`); n != 7 {
		t.Fatalf("%d members after the import, want 7", n)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("a progress bar was drawn into a pipe: %q", stderr)
	}

	s := startServer(t, e)
	ctx := context.Background()
	hc := loadClient(4, 30*time.Second)
	// bcrypt through wme, Firebase scrypt through directus/openapi,
	// Keycloak PBKDF2 through kotive (HTTP Basic).
	if _, _, r := wmeLogin(ctx, hc, s.base, "bea", "pocketbase-"+strongPassword); r.status != http.StatusOK {
		t.Fatalf("bcrypt member through /v1/login: %d %s", r.status, r.body)
	}
	if r := send(ctx, hc, "POST", s.base+"/auth/login", map[string]string{"email": "fay@example.com", "password": "user1password"}); r.status != http.StatusOK {
		t.Fatalf("Firebase member through /auth/login: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("GET", s.base+"/api/login", nil)
	req.SetBasicAuth("kim@example.com", "Password")
	if resp, err := hc.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Keycloak member through /api/login: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, _, r := wmeLogin(ctx, hc, s.base, "bea@example.com", "pocketbase-wrong"); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password for the bcrypt member: %d", r.status)
	}
	for _, email := range []string{"bea@example.com", "fay@example.com", "kim@example.com"} {
		if n := queryInt(t, db, `SELECT count(*) FROM members WHERE email = ? AND password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'`, email); n != 1 {
			t.Errorf("%s was not re-hashed to argon2id at sign-in", email)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM members WHERE email = 'dan@example.com' AND password_hash LIKE '$pbkdf2-sha256$i=870000$%'`); n != 1 {
		t.Errorf("a member who has not signed in keeps the imported hash (%d)", n)
	}
	// With argon2id now, the same password still signs in.
	if _, _, r := wmeLogin(ctx, hc, s.base, "bea", "pocketbase-"+strongPassword); r.status != http.StatusOK {
		t.Fatalf("second sign-in: %d %s", r.status, r.body)
	}
}

// TestE2EImportCSV: the CSV form with a header, a quoted Keycloak
// credential and a malformed line reported with its line number.
func TestE2EImportCSV(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gatehouse.db")
	file := filepath.Join(dir, "members.csv")
	csv := "email,username,first_name,last_name,password_hash\n" +
		"cai@example.com,cai,Cai,Csv,\"{\"\"algorithm\"\":\"\"pbkdf2-sha512\"\",\"\"hashIterations\"\":1,\"\"salt\"\":\"\"c2FsdA==\"\",\"\"value\"\":\"\"hn9wzxreAs/zdSWZo6U9xK80x6ZpgVrl1RNVThyM8lLALUcKKFoFAbrZmb/pQ8CPBQI119aLHaVeY/c7YKV/zg==\"\"}\"\n" +
		"bad@example.com,bad,\"unterminated\n"
	os.WriteFile(file, []byte(csv), 0o600)
	out, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "import", file)
	if err == nil || !strings.Contains(out, "imported 1 members, rejected 1 rows") || !strings.Contains(stderr, "line 3: CSV:") {
		t.Fatalf("import: %v\n%s%s", err, out, stderr)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM members WHERE username = 'cai' AND last_name = 'Csv' AND password_hash LIKE '$pbkdf2-sha512$i=1$%'`); n != 1 {
		t.Fatal("the CSV member is missing")
	}
	if _, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "import", file, "--format", "jsonl"); err == nil || !strings.Contains(stderr, "line 1:") {
		t.Errorf("CSV read as JSON Lines: %v %s", err, stderr)
	}
}

// writeMany writes n members as JSON Lines, hashes cycling through
// bcrypt, scrypt, Django PBKDF2 and argon2i.
func writeMany(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	hashes := []string{
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$s0$e0801$epIxT/h6HbbwHaehFnh/bw==$7H0vsXlY8UxxyW/BWx/9GuY7jEvGjT71GFd6O4SZND0=",
		"pbkdf2_sha256$870000$seasalt$wJSpLMQRQz0Dhj/pFpbyjMj71B2gUYp6HJS5AU+32Ac=",
		"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
	}
	for i := range n {
		fmt.Fprintf(w, `{"email":"m%d@example.com","username":"member%d","first_name":"Member","last_name":"Number %d","password_hash":%q}`+"\n", i, i, i, hashes[i%len(hashes)])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestE2EImport100k imports 100,000 members and reports the time (no
// assertion on it: the machine is shared).
func TestE2EImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000-member import skipped in -short mode")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "gatehouse.db")
	file := filepath.Join(dir, "members.jsonl")
	writeMany(t, file, 100000)
	start := time.Now()
	out, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "import", file)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("import: %v\n%s%.2000s", err, out, stderr)
	}
	t.Logf("100,000 members: %s (wall clock of the whole command %s)", strings.TrimSpace(out), took.Round(time.Millisecond))
	if n := queryInt(t, db, `SELECT count(*) FROM members`); n != 100000 {
		t.Fatalf("%d members", n)
	}
}

// TestE2EImportKill9: SIGKILL in the middle of an import leaves whole
// batches only, and the database whole.
func TestE2EImportKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "gatehouse.db")
	file := filepath.Join(dir, "members.jsonl")
	const rows, batch = 60000, 700
	writeMany(t, file, rows)
	if _, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "migrate"); err != nil {
		t.Fatal(err, stderr)
	}
	cmd := exec.Command(binPath, "import", file, "--batch", fmt.Sprint(batch))
	cmd.Env = subprocessEnv(env{"GATEHOUSE_DB": db})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for queryInt(t, db, `SELECT count(*) FROM members`) < 3*batch {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the import committed nothing within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	n := queryInt(t, db, `SELECT count(*) FROM members`)
	roles := queryInt(t, db, `SELECT count(*) FROM member_roles`)
	t.Logf("killed with %d of %d members in (%d batches)", n, rows, n/batch)
	if n%batch != 0 || n == 0 || n == rows || roles != n {
		t.Fatalf("after SIGKILL: %d members, %d roles: not whole batches of %d", n, roles, batch)
	}
	if ok := queryInt(t, db, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'`); ok != 1 {
		t.Fatal("integrity_check failed after SIGKILL")
	}
	// Running it again takes the rest and reports the rows already in.
	out, stderr, err := runBinary(t, env{"GATEHOUSE_DB": db}, "import", file, "--batch", fmt.Sprint(batch), "--report", filepath.Join(dir, "report.txt"))
	if err == nil || !strings.Contains(out, fmt.Sprintf("imported %d members, rejected %d rows", rows-n, n)) {
		t.Fatalf("second run: %v\n%s%s", err, out, stderr)
	}
	if got := queryInt(t, db, `SELECT count(*) FROM members`); got != rows {
		t.Fatalf("%d members after the second run", got)
	}
}

// TestE2EImportProgressOnTerminal: with stderr on a terminal (a pty
// opened here) the import draws its bar; into a pipe or file it does not
// (the other import tests read stderr from a buffer and find no bar).
func TestE2EImportProgressOnTerminal(t *testing.T) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptm.Close()
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	defer pts.Close()
	var term strings.Builder
	copied := make(chan struct{})
	go func() { io.Copy(&term, ptm); close(copied) }()

	dir := t.TempDir()
	file := filepath.Join(dir, "members.jsonl")
	writeMany(t, file, 3000)
	cmd := exec.Command(binPath, "import", file, "--batch", "100")
	cmd.Env = subprocessEnv(env{"GATEHOUSE_DB": filepath.Join(dir, "gatehouse.db")})
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, pts
	if err := cmd.Run(); err != nil {
		t.Fatalf("import: %v %s", err, out.String())
	}
	pts.Close()
	ptm.SetReadDeadline(time.Now().Add(2 * time.Second))
	<-copied
	if s := term.String(); !strings.Contains(s, "\r[") || !strings.Contains(s, "% ") || !strings.Contains(s, "imported") {
		t.Fatalf("no progress bar on the terminal: %q", s)
	}
	if strings.Contains(out.String(), "\r") {
		t.Fatalf("the bar went to stdout: %q", out.String())
	}
}
