package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The command line's own texts (issue 13): the top-level help lists the
// commands, each command's help shows its own flags and points to serve's
// for the settings, a mistake is one line plus a pointer to --help.

func TestCLITopHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		out, stderr, err := cli(t, env{}, args...)
		if !errors.Is(err, flag.ErrHelp) || stderr != "" {
			t.Fatalf("%q: err %v, stderr %q", args, err, stderr)
		}
		for _, cmd := range []string{"serve", "migrate", "member create", "member list", "member set-role", "member suspend",
			"member activate", "member delete", "member grant-proxy", "member revoke-proxy", "client create", "client list", "client delete", "version"} {
			if !regexp.MustCompile(`(?m)^  ` + cmd + `\s`).MatchString(out) {
				t.Errorf("%q does not list %q:\n%s", args, cmd, out)
			}
		}
		if strings.Contains(out, "GATEHOUSE_SMTP_URL") || strings.Contains(out, "-gatehouse-addr") {
			t.Errorf("%q prints server flags:\n%s", args, out)
		}
		if n := strings.Count(out, "\n"); n > 30 {
			t.Errorf("%q prints %d lines, want a short command list", args, n)
		}
	}
}

func TestCLICommandHelpShowsOwnFlags(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
		flags []string
	}{
		{[]string{"migrate", "--help"}, "Usage: gatehouse migrate", []string{"-db"}},
		{[]string{"member", "create", "--help"}, "Usage: gatehouse member create", []string{"-email", "-password", "-name", "-username", "-role", "-temporary", "-json", "-db"}},
		{[]string{"member", "list", "-h"}, "Usage: gatehouse member list", []string{"-json", "-db"}},
		{[]string{"member", "set-role", "--help"}, "Usage: gatehouse member set-role", []string{"-member", "-role", "-group", "-db"}},
		{[]string{"version", "--help"}, "Usage: gatehouse version", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, stderr, err := cli(t, env{}, tt.args...)
			if !errors.Is(err, flag.ErrHelp) || stderr != "" {
				t.Fatalf("err %v, stderr %q", err, stderr)
			}
			if strings.Count(out, "Usage:") != 1 || !strings.HasPrefix(out, tt.usage) {
				t.Errorf("help should start with %q, once:\n%s", tt.usage, out)
			}
			for _, f := range tt.flags {
				if !regexp.MustCompile(`(?m)^  ` + f + `\b`).MatchString(out) {
					t.Errorf("help lacks %q:\n%s", f, out)
				}
			}
			for _, server := range []string{"-gatehouse-", "smtp", "-addr", "-base-url", "TTL"} {
				if strings.Contains(out, server) {
					t.Errorf("help repeats the server setting %q:\n%s", server, out)
				}
			}
			if tt.args[0] != "version" && !strings.Contains(out, `see "gatehouse serve --help"`) {
				t.Errorf("help does not point to serve --help:\n%s", out)
			}
			if n := strings.Count(out, "\n"); n > 30 {
				t.Errorf("help has %d lines", n)
			}
		})
	}
}

func TestCLIServeHelpListsEverySetting(t *testing.T) {
	out, _, err := cli(t, env{}, "serve", "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(out, s.env) || !strings.Contains(out, "--"+flagName(s.env)) {
			t.Errorf("serve --help lacks %s:\n%s", s.env, out)
		}
	}
	if !strings.Contains(out, "--addr, --gatehouse-addr") {
		t.Errorf("short and long names are not on one line:\n%s", out)
	}
}

func TestCLIMistakeIsOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `gatehouse: unknown command "frobnicate" (see "gatehouse --help")`},
		{[]string{"--no-such-flag"}, `gatehouse: flag provided but not defined: -no-such-flag (see "gatehouse serve --help")`},
		{[]string{"serve", "--no-such-flag"}, `gatehouse: flag provided but not defined: -no-such-flag (see "gatehouse serve --help")`},
		{[]string{"migrate", "extra"}, `gatehouse: unexpected argument "extra" (see "gatehouse migrate --help")`},
		{[]string{"member"}, `(see "gatehouse member --help")`},
		{[]string{"member", "frobnicate"}, `gatehouse: unknown member subcommand "frobnicate" (see "gatehouse member --help")`},
		{[]string{"member", "create", "--bogus"}, `gatehouse: flag provided but not defined: -bogus (see "gatehouse member create --help")`},
		{[]string{"member", "create", "--password", strongPassword}, `gatehouse: --email and --password are required (see "gatehouse member create --help")`},
		{[]string{"member", "create", "--email", "a@example.com"}, `--email and --password are required`},
		{[]string{"member", "create", "--email", "a@example.com", "--password", strongPassword, "--role", "god"}, `gatehouse: --role "god": must be owner, admin or maker (see "gatehouse member create --help")`},
		{[]string{"member", "suspend"}, `(see "gatehouse member suspend --help")`},
		{[]string{"member", "set-role", "--role", "admin"}, `(see "gatehouse member set-role --help")`},
		{[]string{"version", "extra"}, `(see "gatehouse version --help")`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, stderr, err := cli(t, dbEnv(t), tt.args...)
			if out != "" || stderr != "" {
				t.Errorf("a mistake printed stdout %q, stderr %q (the usage belongs to --help)", out, stderr)
			}
			var errOut bytes.Buffer
			if status := exitStatus(err, &errOut); status != 2 {
				t.Errorf("exit status %d, want 2 (err %v)", status, err)
			}
			line := errOut.String()
			if strings.Count(line, "\n") != 1 || !strings.Contains(line, tt.want) || !strings.Contains(line, "--help\")") {
				t.Errorf("stderr %q, want one line containing %q", line, tt.want)
			}
		})
	}
}

func TestCLIVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		out, _, err := cli(t, env{}, args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if out != readBuildInfo().String()+"\n" {
			t.Errorf("%q printed %q", args, out)
		}
		// A test binary has no -ldflags and no VCS stamp: the fallbacks.
		if !regexp.MustCompile(`^gatehouse \S+ \(commit \S+, built \S+, go[0-9.]+\S*\)\n$`).MatchString(out) {
			t.Errorf("%q printed %q, want version, commit and build date", args, out)
		}
	}
}

// TestE2EVersionFromLdflags builds the binary with the release -ldflags:
// they win over the toolchain's build information.
func TestE2EVersionFromLdflags(t *testing.T) {
	bin := t.TempDir() + "/gatehouse"
	build := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X main.version=v1.2.3 -X main.commit=0123abcd -X main.buildDate=2026-12-01T10:00:00Z", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), "gatehouse v1.2.3 (commit 0123abcd, built 2026-12-01T10:00:00Z, go") {
			t.Errorf("%s printed %q", arg, out)
		}
	}
	// Without -ldflags and with VCS stamping, the commit comes from git.
	// The go command stamps only a checkout whose .git is a directory (not
	// a linked worktree, where .git is a file).
	if fi, err := os.Stat("../../.git"); err != nil || !fi.IsDir() {
		t.Skip("../../.git is not a directory: the go command does not stamp VCS information here")
	}
	bin2 := t.TempDir() + "/gatehouse"
	build = exec.Command("go", "build", "-buildvcs=true", "-o", bin2, ".")
	build.Env = append(subprocessEnv(nil), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("no VCS stamp here (%v): %s", err, out)
	}
	out, err := exec.Command(bin2, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^gatehouse \S+ \(commit [0-9a-f]{12}(-dirty)?, built 20\d\d-`).Match(out) {
		t.Errorf("VCS-stamped build printed %q", out)
	}
}

func TestCLIMemberCreateSaysWhatItCreated(t *testing.T) {
	e := dbEnv(t)
	out, _, err := cli(t, e, "member", "create", "--email", "ann@example.com", "--password", strongPassword, "--name", "Ann Lee", "--username", "ann", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	want := "Created member 1: Ann Lee <ann@example.com>, username ann, User Administrator in the root group. They can sign in now.\n"
	if out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	out, _, err = cli(t, e, "member", "create", "--email", "tom@example.com", "--password", strongPassword, "--temporary")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "Created member 2: tom@example.com, username tom@example.com, Maker in the root group.") || !strings.Contains(out, "temporary") {
		t.Errorf("temporary member: %q", out)
	}
	out, _, err = cli(t, e, "member", "create", "--email", "joy@example.com", "--password", strongPassword, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var m memberJSON
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.ID != 3 || m.Email != "joy@example.com" || m.Roles[0] != "Maker" {
		t.Errorf("--json printed %q (%v)", out, err)
	}
}
