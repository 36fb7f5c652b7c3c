package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rpDir is the npm project that runs the openid-client relying party
// (exact versions in its committed package-lock.json; `npm ci` there
// installs it, as .ci/run does).
const rpDir = "testdata/openid-client"

// rpSteps are the steps testdata/openid-client/rp.mjs reports, in order.
var rpSteps = []string{"discovery", "state mismatch refused", "code flow", "replayed code refused", "userinfo", "refresh",
	"rotated refresh refused", "introspect", "logout ends refresh", "all"}

// TestOIDCNodeOpenIDClient runs the npm openid-client library (an
// independent implementation) against the real binary, the test playing
// the browser: discovery, the code flow with PKCE, state and nonce (a
// wrong state refused by the library), id_token verification with EdDSA,
// a replayed code, userinfo, refresh rotation, introspection, and the
// refresh token refused after a logout at Gatehouse.
func TestOIDCNodeOpenIDClient(t *testing.T) {
	node, err := exec.LookPath("node")
	missing := ""
	if err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join(rpDir, "node_modules", "openid-client", "package.json")); err != nil {
		missing = "openid-client is not installed: run npm ci in cmd/gatehouse/" + rpDir
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing + " (required under CI=true)")
		}
		t.Skip(missing)
	}
	o := newOIDCEnv(t)
	browser := newClient(t)
	o.signIn(t, browser)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "rp.mjs")
	cmd.Dir = rpDir
	cmd.Env = append(os.Environ(), "ISSUER="+o.s.base, "CLIENT_ID="+o.conf.ClientID, "CLIENT_SECRET="+o.conf.ClientSecret, "REDIRECT_URI="+oidcRedirect, "MEMBER_EMAIL=ada@example.com")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var got []string
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		var msg struct {
			Step      string
			Authorize string
			Logout    bool
		}
		if json.Unmarshal([]byte(line), &msg) != nil {
			continue
		}
		switch {
		case msg.Step != "":
			got = append(got, msg.Step)
		case msg.Authorize != "":
			back, status, body := o.follow(t, browser, msg.Authorize)
			if back == nil {
				t.Errorf("authorize: %d\n%s", status, body)
				io.WriteString(stdin, "\n")
				continue
			}
			fmt.Fprintln(stdin, back.String())
		case msg.Logout:
			token := csrfFrom(t, browser, o.s.base+"/account")
			resp, body := postForm(t, browser, o.s.base+"/logout", url.Values{"_csrf": {token}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("logout: %d\n%s", resp.StatusCode, body)
			}
			fmt.Fprintln(stdin, "ok")
		}
	}
	stdin.Close()
	err = cmd.Wait()
	if err != nil || !slices.Equal(got, rpSteps) {
		t.Fatalf("rp.mjs: %v\nsteps: %q\nwant:  %q\nstdout:\n%s\nstderr:\n%s", err, got, rpSteps, out.String(), stderr.String())
	}
}
