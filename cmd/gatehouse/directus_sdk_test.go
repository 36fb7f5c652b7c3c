package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sdkDir is the npm project that runs the official @directus/sdk (exact
// versions in its committed package-lock.json; `npm ci` there installs it).
const sdkDir = "testdata/directus-sdk"

// sdkSteps are the steps testdata/directus-sdk/sdk.mjs reports, in order;
// every one must be reported, so the script cannot pass by doing less.
var sdkSteps = []string{
	"login json", "readMe", "refresh json", "updateMe", "logout json", "revoked tokens refused",
	"login cookie", "refresh cookie", "logout cookie",
	"login session", "refresh session", "logout session",
	"password request", "password reset",
	"two-factor enable", "otp login",
	"graphql mutation", "graphql query", "graphql error", "introspection buildClientSchema",
	"all",
}

// needNode returns the node binary with the SDK installed, or skips the
// test (fails it under CI=true, where .ci/run must have run npm ci).
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not on PATH"
	default:
		if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "@directus", "sdk", "package.json")); err != nil {
			missing = "the SDK is not installed: run npm ci in cmd/gatehouse/" + sdkDir
		}
	}
	if missing == "" {
		return node
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing + " (required under CI=true)")
	}
	t.Skip(missing)
	return ""
}

// TestDirectusSDK runs the real @directus/sdk 18 against the built binary:
// login in json, cookie and session modes, readMe, updateMe, refresh,
// logout, password request (the mail read from the dev mailbox) and reset,
// two-factor enable and an otp login, a GraphQL mutation, query and error
// through the SDK's graphql() client, and the introspection answer through
// graphql-js's buildClientSchema.
func TestDirectusSDK(t *testing.T) {
	node := needNode(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	const email, password = "sdk@example.com", "correct horse battery staple"
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", email, "--password", password, "--name", "Ann Lee"); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	s := startServer(t, e)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sdk.mjs")
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), "GATEHOUSE_URL="+s.base, "MEMBER_EMAIL="+email, "MEMBER_PASSWORD="+password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var step struct{ Step string }
		if json.Unmarshal([]byte(line), &step) == nil && step.Step != "" {
			got = append(got, step.Step)
		}
	}
	if err != nil || !slices.Equal(got, sdkSteps) {
		t.Fatalf("sdk.mjs: %v\nsteps: %q\nwant:  %q\nstdout:\n%s\nstderr:\n%s", err, got, sdkSteps, out, stderr.String())
	}
}
