package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// adminService opens the database of e the way the CLI does, for checks and
// set-up the CLI has no command for. done closes it.
func adminService(t *testing.T, e env) (*auth.Service, func()) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := configFlags(fs, e.get)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	svc, done, err := openService(context.Background(), config)
	if err != nil {
		t.Fatal(err)
	}
	return svc, done
}

// mustCLI runs a command that must succeed and returns its stdout.
func mustCLI(t *testing.T, e env, args ...string) string {
	t.Helper()
	out, stderr, err := cli(t, e, args...)
	if err != nil {
		t.Fatalf("%q: %v\nstderr: %s", args, err, stderr)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("%q printed %q, want one line", args, out)
	}
	return out
}

func TestRunMemberAdminCommands(t *testing.T) {
	e := dbEnv(t)
	createMember(t, e, "--email", "owner@example.com", "--password", strongPassword, "--role", "owner")
	a := createMember(t, e, "--email", "ann@example.com", "--username", "ann", "--password", strongPassword)
	b := createMember(t, e, "--email", "bob@example.com", "--password", strongPassword)
	ctx := context.Background()

	// grant-proxy and revoke-proxy, by username, email and id.
	out := mustCLI(t, e, "member", "grant-proxy", "--target", "bob@example.com", "--actor", "ann")
	if !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "may now log in as") {
		t.Errorf("grant-proxy printed %q", out)
	}
	svc, done := adminService(t, e)
	gs, err := svc.AdminProxyGrants(ctx, auth.Actor{CLI: true}, b)
	if err != nil || len(gs) != 1 || gs[0].ActorID != a || gs[0].CreatedBy != 0 {
		t.Errorf("grants of bob: %+v %v", gs, err)
	}
	done()
	if _, _, err := cli(t, e, "member", "grant-proxy", "--target", strconv.FormatInt(b, 10), "--actor", "ann"); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("second grant: %v", err)
	}
	out = mustCLI(t, e, "member", "revoke-proxy", "--target", strconv.FormatInt(b, 10), "--actor", strconv.FormatInt(a, 10))
	if !strings.Contains(out, "no longer") {
		t.Errorf("revoke-proxy printed %q", out)
	}
	svc, done = adminService(t, e)
	if gs, err := svc.AdminProxyGrants(ctx, auth.Actor{CLI: true}, b); err != nil || len(gs) != 0 {
		t.Errorf("grants after revoke: %+v %v", gs, err)
	}
	sales, err := svc.AdminCreateGroup(ctx, auth.Actor{CLI: true}, "Sales", 0)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if _, _, err := cli(t, e, "member", "revoke-proxy", "--target", "bob", "--actor", "ann"); err == nil {
		t.Error("revoking a missing grant succeeded")
	}

	// set-role adds a role, keeping the others.
	out = mustCLI(t, e, "member", "set-role", "--member", "ann", "--role", "admin")
	if !strings.Contains(out, "User Administrator") {
		t.Errorf("set-role printed %q", out)
	}
	mustCLI(t, e, "member", "set-role", "--member", "ann@example.com", "--role", "maker", "--group", "sales")
	mustCLI(t, e, "member", "set-role", "--member", "ann", "--role", "maker", "--group", strconv.FormatInt(sales.ID, 10)) // already held: no change
	m := findMember(listMembers(t, e), a)
	if m == nil || strings.Join(m.Roles, ",") != "User Administrator,Maker,Maker" || len(m.Grants) != 3 ||
		m.Grants[2] != (grantJSON{Group: sales.ID, Role: "Maker"}) {
		t.Errorf("ann after set-role: %+v", m)
	}

	// suspend, activate, delete; the member may come before or after flags.
	out = mustCLI(t, e, "member", "suspend", "ann")
	if !strings.Contains(out, "suspended") {
		t.Errorf("suspend printed %q", out)
	}
	if m := findMember(listMembers(t, e), a); m.Status != "suspended" {
		t.Errorf("status after suspend %q", m.Status)
	}
	env2 := env{}
	out = mustCLI(t, env2, "member", "activate", "--gatehouse-db", e["GATEHOUSE_DB"], "ann@example.com")
	if !strings.Contains(out, "active") {
		t.Errorf("activate printed %q", out)
	}
	if m := findMember(listMembers(t, e), a); m.Status != "active" {
		t.Errorf("status after activate %q", m.Status)
	}
	out = mustCLI(t, e, "member", "delete", strconv.FormatInt(b, 10), "--gatehouse-db", e["GATEHOUSE_DB"])
	if !strings.Contains(out, "deleted") {
		t.Errorf("delete printed %q", out)
	}
	if findMember(listMembers(t, e), b) != nil {
		t.Error("bob is still listed")
	}

	// Every change is audited with the CLI as actor (0).
	svc, done = adminService(t, e)
	defer done()
	es, err := svc.AdminAudit(ctx, auth.Actor{CLI: true}, auth.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].ActorID != 0 {
			t.Errorf("audit entry %+v: actor %d, want 0", es[i], es[i].ActorID)
		}
		actions = append(actions, es[i].Action)
	}
	want := "proxy.grant proxy.revoke group.create member.roles member.roles member.status member.status member.delete"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit actions %q, want %q", strings.Join(actions, " "), want)
	}
}

func TestRunMemberAdminErrors(t *testing.T) {
	e := dbEnv(t)
	owner := createMember(t, e, "--email", "owner@example.com", "--password", strongPassword, "--role", "owner")
	createMember(t, e, "--email", "ann@example.com", "--password", strongPassword)

	notFound := [][]string{
		{"member", "grant-proxy", "--target", "nobody", "--actor", "ann@example.com"},
		{"member", "grant-proxy", "--target", "ann@example.com", "--actor", "nobody"},
		{"member", "revoke-proxy", "--target", "nobody@example.com", "--actor", "ann@example.com"},
		{"member", "set-role", "--member", "999", "--role", "maker"},
		{"member", "suspend", "nobody"},
		{"member", "activate", "nobody"},
		{"member", "delete", "nobody@example.com"},
	}
	for _, args := range notFound {
		out, _, err := cli(t, e, args...)
		if err == nil || !strings.Contains(err.Error(), "no member with id, email or username") {
			t.Errorf("%q: err = %v, want an unknown member", args, err)
		}
		var u usageError
		if errors.As(err, &u) || out != "" {
			t.Errorf("%q: usage error %v, printed %q", args, errors.As(err, &u), out)
		}
	}

	usage := []struct {
		args []string
		want string
	}{
		{[]string{"member", "grant-proxy", "--target", "ann"}, "--target and --actor are required"},
		{[]string{"member", "revoke-proxy", "--actor", "ann"}, "--target and --actor are required"},
		{[]string{"member", "set-role", "--member", "ann"}, "--member and --role are required"},
		{[]string{"member", "set-role", "--member", "ann", "--role", "god"}, `--role "god"`},
		{[]string{"member", "suspend"}, "name the member"},
		{[]string{"member", "delete", "ann", "bob"}, `unexpected argument "bob"`},
		{[]string{"member", "activate", "--no-such-flag", "ann"}, "no-such-flag"},
	}
	for _, tt := range usage {
		_, _, err := cli(t, e, tt.args...)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want a usage error with %q", tt.args, err, tt.want)
		}
	}

	// Domain refusals come back as readable errors.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"member", "delete", "owner@example.com"}, "last active Account Owner"},
		{[]string{"member", "suspend", strconv.FormatInt(owner, 10)}, "last active Account Owner"},
		{[]string{"member", "set-role", "--member", "ann@example.com", "--role", "maker", "--group", "Nowhere"}, `--group: no group named "Nowhere"`},
		{[]string{"member", "set-role", "--member", "ann@example.com", "--role", "maker", "--group", "42"}, "--group: no group with id 42"},
		{[]string{"member", "grant-proxy", "--target", "ann@example.com", "--actor", "2"}, "themselves"},
		{[]string{"member", "grant-proxy", "--target", "owner@example.com", "--actor", "ann@example.com"}, "admin role"},
	} {
		_, _, err := cli(t, e, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.args, err, c.want)
		}
	}
	if m := findMember(listMembers(t, e), owner); m == nil || m.Status != "active" {
		t.Errorf("owner after refusals: %+v", m)
	}
}

func TestRunMemberAdminHelp(t *testing.T) {
	for _, c := range []struct {
		sub   string
		flags []string
	}{
		{"grant-proxy", []string{"-target", "-actor", "-db"}},
		{"revoke-proxy", []string{"-target", "-actor", "-db"}},
		{"set-role", []string{"-member", "-role", "-group", "-db"}},
		{"suspend", []string{"M", "-db"}},
		{"activate", []string{"M", "-db"}},
		{"delete", []string{"M", "-db"}},
	} {
		out, stderr, err := cli(t, env{}, "member", c.sub, "--help")
		if !errors.Is(err, flag.ErrHelp) || stderr != "" {
			t.Errorf("%s --help: err %v, stderr %q", c.sub, err, stderr)
		}
		if !strings.Contains(out, "Usage: gatehouse member "+c.sub) {
			t.Errorf("%s --help: %q", c.sub, out)
		}
		for _, f := range c.flags {
			if !strings.Contains(out, f) {
				t.Errorf("%s --help lacks %q:\n%s", c.sub, f, out)
			}
		}
	}
	out, _, err := cli(t, env{}, "member", "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	for _, sub := range []string{"grant-proxy", "revoke-proxy", "set-role", "suspend", "activate", "delete"} {
		if !strings.Contains(out, sub) {
			t.Errorf("member --help lacks %q:\n%s", sub, out)
		}
	}
}

// A proxy session revoked from the CLI dies on its next request (issue 4).
func TestRunRevokeProxyEndsRunningSession(t *testing.T) {
	e := dbEnv(t)
	createMember(t, e, "--email", "owner@example.com", "--password", strongPassword, "--role", "owner")
	a := createMember(t, e, "--email", "ann@example.com", "--password", strongPassword)
	b := createMember(t, e, "--email", "bob@example.com", "--password", strongPassword)
	mustCLI(t, e, "member", "grant-proxy", "--target", "bob@example.com", "--actor", "ann@example.com")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	svc, done := adminService(t, e)
	defer done()
	ann, sess, err := svc.Login(ctx, auth.LoginInput{Identifier: "ann@example.com", Password: strongPassword, Via: auth.ViaPage})
	if err != nil {
		t.Fatal(err)
	}
	target, proxy, err := svc.StartProxy(ctx, auth.Actor{Member: ann, Session: sess}, b, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	if target.ID != b || proxy.ActorID != a {
		t.Fatalf("proxy session %+v as %d", proxy, target.ID)
	}
	if m, _, err := svc.Authenticate(ctx, proxy.ID); err != nil || m.ID != b {
		t.Fatalf("proxy session before the revoke: %d %v", m.ID, err)
	}

	mustCLI(t, e, "member", "revoke-proxy", "--target", "bob@example.com", "--actor", "ann@example.com")

	if _, _, err := svc.Authenticate(ctx, proxy.ID); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("proxy session after the revoke: %v, want it ended", err)
	}
	if m, _, err := svc.Authenticate(ctx, sess.ID); err != nil || m.ID != a {
		t.Errorf("ann's own session after the revoke: %d %v", m.ID, err)
	}
}
