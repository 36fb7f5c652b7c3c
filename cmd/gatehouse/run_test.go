package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cli runs the program in-process with env as its environment.
func cli(t *testing.T, e env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = run(ctx, args, e.get, &out, &errOut)
	return out.String(), errOut.String(), err
}

// dbEnv is an environment with a fresh database in a temporary directory.
func dbEnv(t *testing.T) env {
	t.Helper()
	return env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
}

const strongPassword = "violet-harbour-lantern-42"

// createMember runs "member create" and returns the id it names.
func createMember(t *testing.T, e env, args ...string) int64 {
	t.Helper()
	out, stderr, err := cli(t, e, append([]string{"member", "create"}, args...)...)
	if err != nil {
		t.Fatalf("member create %q: %v\nstderr: %s", args, err, stderr)
	}
	return createdID(t, out)
}

var createdRE = regexp.MustCompile(`^Created member ([0-9]+): `)

// createdID is the id in the line "member create" printed.
func createdID(t *testing.T, out string) int64 {
	t.Helper()
	m := createdRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("member create printed %q, want \"Created member N: …\"", out)
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("member create printed %q, want a positive id", out)
	}
	return id
}

// listMembers runs "member list --json".
func listMembers(t *testing.T, e env) []memberJSON {
	t.Helper()
	out, stderr, err := cli(t, e, "member", "list", "--json")
	if err != nil {
		t.Fatalf("member list: %v\nstderr: %s", err, stderr)
	}
	var ms []memberJSON
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("member list --json printed %q: %v", out, err)
	}
	return ms
}

func findMember(ms []memberJSON, id int64) *memberJSON {
	for i := range ms {
		if ms[i].ID == id {
			return &ms[i]
		}
	}
	return nil
}

func TestRunBadConfigNamesVariable(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"migrate"}, {"member", "list"}} {
		_, _, err := cli(t, env{"GATEHOUSE_ENV": "staging"}, cmd...)
		if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_ENV") {
			t.Errorf("%q with GATEHOUSE_ENV=staging: err = %v", cmd, err)
		}
	}
}

func TestRunMemberCreateAndList(t *testing.T) {
	e := dbEnv(t)
	ownerID := createMember(t, e, "--email", "Ada@Example.com", "--password", strongPassword, "--name", "Ada Lovelace", "--username", "ada", "--role", "owner")
	makerID := createMember(t, e, "--email", "bob@example.com", "--password", strongPassword)
	if makerID == ownerID {
		t.Fatalf("two members got the same id %d", ownerID)
	}

	ms := listMembers(t, e)
	if len(ms) != 2 {
		t.Fatalf("list has %d members, want 2: %+v", len(ms), ms)
	}
	owner := findMember(ms, ownerID)
	if owner == nil {
		t.Fatalf("id %d not listed: %+v", ownerID, ms)
	}
	if owner.Username != "ada" || owner.Name != "Ada Lovelace" || owner.Status != "active" {
		t.Errorf("owner listed as %+v", owner)
	}
	if len(owner.Roles) != 1 || owner.Roles[0] != "Account Owner" {
		t.Errorf("owner roles %q, want [Account Owner]", owner.Roles)
	}
	if !strings.EqualFold(owner.Email, "ada@example.com") {
		t.Errorf("owner email %q", owner.Email)
	}
	if owner.CreatedAt.IsZero() {
		t.Error("created_at is zero")
	}
	maker := findMember(ms, makerID)
	if maker == nil || len(maker.Roles) != 1 || maker.Roles[0] != "Maker" {
		t.Errorf("default role: %+v, want [Maker]", maker)
	}

	// The table form lists both.
	out, _, err := cli(t, e, "member", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "EMAIL", "STATUS", "bob@example.com", "Account Owner", strconv.FormatInt(ownerID, 10)} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRunMemberListEmpty(t *testing.T) {
	out, _, err := cli(t, dbEnv(t), "member", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("empty list printed %q, want []", out)
	}
}

func TestRunMemberCreateErrors(t *testing.T) {
	e := dbEnv(t)
	createMember(t, e, "--email", "carol@example.com", "--password", strongPassword)

	t.Run("duplicate email", func(t *testing.T) {
		out, _, err := cli(t, e, "member", "create", "--email", "CAROL@example.com", "--password", strongPassword)
		if err == nil || !strings.Contains(err.Error(), "--email") {
			t.Fatalf("err = %v, want one naming --email", err)
		}
		if out != "" {
			t.Errorf("failed create printed %q", out)
		}
	})
	t.Run("weak password", func(t *testing.T) {
		for _, pw := range []string{"short", "password", "dave@example.com"} {
			_, _, err := cli(t, e, "member", "create", "--email", "dave@example.com", "--password", pw)
			if err == nil || !strings.Contains(err.Error(), "--password") {
				t.Errorf("password %q: err = %v, want one naming --password", pw, err)
			}
			var u usageError
			if errors.As(err, &u) {
				t.Errorf("password %q: a rejected value is not a usage error", pw)
			}
		}
	})
	t.Run("min length from config", func(t *testing.T) {
		e2 := env{"GATEHOUSE_DB": e["GATEHOUSE_DB"], "GATEHOUSE_MIN_PASSWORD_LENGTH": "15"}
		_, _, err := cli(t, e2, "member", "create", "--email", "erin@example.com", "--password", "lantern-harb0r")
		if err == nil || !strings.Contains(err.Error(), "--password") {
			t.Errorf("14-character password with minimum 15: err = %v", err)
		}
	})
	t.Run("bad email", func(t *testing.T) {
		_, _, err := cli(t, e, "member", "create", "--email", "not-an-email", "--password", strongPassword)
		if err == nil || !strings.Contains(err.Error(), "--email") {
			t.Errorf("err = %v, want one naming --email", err)
		}
	})
	if n := len(listMembers(t, e)); n != 1 {
		t.Errorf("failed creates left %d members, want 1", n)
	}
}

func TestRunMemberCreateTemporary(t *testing.T) {
	e := dbEnv(t)
	id := createMember(t, e, "--email", "temp@example.com", "--password", strongPassword, "--temporary", "--role", "admin")
	m := findMember(listMembers(t, e), id)
	if m == nil {
		t.Fatalf("id %d not listed", id)
	}
	if m.Status != "password_reset_required" {
		t.Errorf("status %q, want password_reset_required", m.Status)
	}
	if len(m.Roles) != 1 || m.Roles[0] != "User Administrator" {
		t.Errorf("roles %q", m.Roles)
	}
}

func TestRunMigrateTwice(t *testing.T) {
	// A directory that does not exist yet is created.
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "nested", "dir", "gatehouse.db")}
	for i := range 2 {
		out, stderr, err := cli(t, e, "migrate")
		if err != nil {
			t.Fatalf("migrate #%d: %v\nstderr: %s", i+1, err, stderr)
		}
		if !strings.Contains(out, "up to date") {
			t.Errorf("migrate #%d printed %q", i+1, out)
		}
	}
	// The database works after both.
	createMember(t, e, "--email", "m@example.com", "--password", strongPassword)
	out, _, err := cli(t, e, "migrate", "--db", e["GATEHOUSE_DB"])
	if err != nil || !strings.Contains(out, e["GATEHOUSE_DB"]) {
		t.Errorf("migrate with --db: %q, %v", out, err)
	}
}

var listeningRE = regexp.MustCompile(`listening on http://(\S+) \(base URL (\S+),`)

// TestRunServePortZero runs serve in-process on 127.0.0.1:0: the base URL
// it reports (and puts in every mailed link) names the port it bound, and
// cancelling the context stops it cleanly.
func TestRunServePortZero(t *testing.T) {
	e := dbEnv(t)
	e["GATEHOUSE_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e.get, &stdout, &stderr) }()

	var addr, base string
	deadline := time.Now().Add(30 * time.Second)
	for addr == "" {
		if m := listeningRE.FindStringSubmatch(stdout.String()); m != nil {
			addr, base = m[1], m[2]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\nstderr: %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not report its address; stdout %q stderr %q", stdout.String(), stderr.String())
		}
	}
	if _, port, _ := net.SplitHostPort(addr); port == "0" || port == "" {
		t.Fatalf("listening on %q", addr)
	}
	if base != "http://"+addr {
		t.Errorf("base URL %q, want http://%s", base, addr)
	}
	if want := "read it at http://" + addr + "/_dev/mail"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of cancel")
	}
}

func TestRunServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := dbEnv(t)
	e["GATEHOUSE_ADDR"] = ln.Addr().String()
	_, _, err = cli(t, e, "serve")
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_ADDR") {
		t.Errorf("serve on a busy port: err = %v, want one naming GATEHOUSE_ADDR", err)
	}
}
