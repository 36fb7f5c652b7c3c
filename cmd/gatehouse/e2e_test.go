package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// TestE2EServeMemberLoginShutdown drives the real binary: serve, create a
// member with the CLI against the live database, sign in over HTTP, then
// SIGTERM while a sign-in request is half sent; that request completes and
// the process exits 0.
func TestE2EServeMemberLoginShutdown(t *testing.T) {
	dir := t.TempDir()
	e := env{"GATEHOUSE_DB": filepath.Join(dir, "gatehouse.db")}
	s := startServer(t, e)
	// stdout and stderr reach their buffers through copying goroutines, so
	// a line written before /healthz answered may still be on its way.
	eventually := func(ok func() bool) bool {
		for deadline := time.Now().Add(5 * time.Second); !ok() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		return ok()
	}
	if !eventually(func() bool { return strings.Contains(s.stdout.String(), "listening on http://"+s.addr) }) {
		t.Errorf("stdout does not announce the address:\n%s", s.stdout)
	}
	// An empty database: the log and /login (dev) say how to make the first
	// Owner, with the --db this server uses.
	hint := "gatehouse member create --db " + e["GATEHOUSE_DB"] + " --email you@example.com --password '…' --role owner"
	logged := func() bool {
		return strings.Contains(s.stderr.String(), "no Account Owner yet") && strings.Contains(s.stderr.String(), hint)
	}
	if !eventually(logged) {
		t.Errorf("serve on an empty database does not log the first-Owner command %q:\n%s", hint, s.stderr)
	}
	if _, body := get(t, newClient(t), s.base+"/login"); !strings.Contains(body, `data-testid="first-owner"`) || !strings.Contains(body, html.EscapeString(hint)) {
		t.Errorf("/login on an empty database does not show %q", hint)
	}

	// The CLI works on the database the server has open.
	out, stderr, err := runBinary(t, e, "member", "create", "--email", "grace@example.com", "--password", strongPassword, "--name", "Grace Hopper")
	if err != nil {
		t.Fatalf("member create while serving: %v\nstderr: %s", err, stderr)
	}
	createdID(t, out)
	if _, body := get(t, newClient(t), s.base+"/login"); !strings.Contains(body, `data-testid="first-owner"`) {
		t.Error("a Maker is not an Owner: /login should still show the first-Owner command")
	}
	if _, stderr, err := runBinary(t, e, "member", "set-role", "--member", "grace@example.com", "--role", "owner"); err != nil {
		t.Fatalf("set-role: %v\n%s", err, stderr)
	}
	if _, body := get(t, newClient(t), s.base+"/login"); strings.Contains(body, `data-testid="first-owner"`) {
		t.Error("/login still shows the first-Owner command once an Owner exists")
	}

	c := newClient(t)
	// Before signing in, /account sends to /login.
	resp, body := postForm(t, c, s.base+"/logout", url.Values{}, nil) // no CSRF: refused
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /logout without _csrf: %d, want 403", resp.StatusCode)
	}
	if status, _ := get(t, c, s.base+"/account"); status != http.StatusSeeOther {
		t.Errorf("GET /account signed out: %d, want 303", status)
	}

	resp, body = login(t, c, s.base, "grace@example.com", strongPassword)
	wantRedirect(t, resp, body, "/account")
	status, body := get(t, c, s.base+"/account")
	if status != http.StatusOK {
		t.Fatalf("GET /account: %d\n%s", status, body)
	}
	for _, want := range []string{`data-testid="account-heading"`, "Grace Hopper", "grace@example.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("/account lacks %q", want)
		}
	}

	// A wrong password is a 401 with the form again.
	if resp, _ := login(t, newClient(t), s.base, "grace@example.com", "wrong-"+strongPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}

	// In flight across SIGTERM: a sign-in whose headers the server has read
	// (it answered 100 Continue) but whose body is not sent yet.
	c2 := newClient(t)
	token := csrfFrom(t, c2, s.base+"/login")
	u, _ := url.Parse(s.base + "/login")
	var cookies []string
	for _, ck := range c2.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	form := url.Values{"_csrf": {token}, "identifier": {"grace@example.com"}, "password": {strongPassword}}.Encode()
	conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
		s.addr, strings.Join(cookies, "; "), len(form))
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q, %v", blank, err)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until shutdown has begun: the listener refuses new connections.
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err != nil {
			break
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections 10s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-s.exited:
		t.Fatalf("the server exited (%v) with a request in flight", s.waitErr)
	default:
	}

	if _, err := io.WriteString(conn, form); err != nil {
		t.Fatalf("sending the body after SIGTERM: %v", err)
	}
	inflight, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v", err)
	}
	inflight.Body.Close()
	if inflight.StatusCode != http.StatusSeeOther || inflight.Header.Get("Location") != "/account" {
		t.Errorf("in-flight sign-in: %d to %q, want 303 to /account", inflight.StatusCode, inflight.Header.Get("Location"))
	}

	if err := s.waitExit(t, 20*time.Second); err != nil {
		t.Fatalf("gatehouse serve exited with %v after SIGTERM, want status 0\nstderr:\n%s", err, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "stopped") {
		t.Errorf("no \"stopped\" log line:\n%s", s.stderr)
	}

	// The data survived: the member is still there.
	out, _, err = runBinary(t, e, "member", "list")
	if err != nil || !strings.Contains(out, "grace@example.com") {
		t.Errorf("member list after shutdown: %v\n%s", err, out)
	}
}

// TestE2EBinaryExitStatus checks the process exit codes of main.
func TestE2EBinaryExitStatus(t *testing.T) {
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	tests := []struct {
		args       []string
		env        env
		wantStatus int
		wantStderr string
	}{
		{[]string{"version"}, e, 0, ""},
		{[]string{"serve", "--help"}, e, 0, ""},
		{[]string{"frobnicate"}, e, 2, "gatehouse: unknown command \"frobnicate\" (see \"gatehouse --help\")\n"},
		{[]string{"migrate", "--bogus"}, e, 2, "gatehouse: flag provided but not defined: -bogus (see \"gatehouse migrate --help\")\n"},
		{[]string{"migrate"}, env{"GATEHOUSE_DB": e["GATEHOUSE_DB"], "GATEHOUSE_ENV": "staging"}, 1, "GATEHOUSE_ENV"},
		{[]string{"member", "create", "--email", "x@example.com", "--password", "password"}, e, 1, "--password"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stderr, err := runBinary(t, tt.env, tt.args...)
			status := 0
			if ee, ok := err.(*exec.ExitError); ok {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus {
				t.Errorf("exit status %d, want %d; stderr %q", status, tt.wantStatus, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
			if tt.wantStatus == 2 && stderr != tt.wantStderr {
				t.Errorf("a usage mistake printed %q, want exactly one line %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestE2EPasswordResetBySMTP: with a real SMTP server configured, a reset
// request (sent with a forged Host) mails a link under GATEHOUSE_BASE_URL;
// following it sets a new password that signs in while the old one fails.
func TestE2EPasswordResetBySMTP(t *testing.T) {
	mail := smtptest.Start(t)
	addr := freeAddr(t)
	base := "http://" + addr // configured explicitly, as in production
	e := env{
		"GATEHOUSE_ADDR":      addr,
		"GATEHOUSE_DB":        filepath.Join(t.TempDir(), "gatehouse.db"),
		"GATEHOUSE_BASE_URL":  base + "/",
		"GATEHOUSE_SMTP_URL":  mail.URL(),
		"GATEHOUSE_MAIL_FROM": "Gatehouse Test <auth@gatehouse.test>",
	}
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", "linus@example.com", "--password", strongPassword, "--name", "Linus"); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	s := startServer(t, e)
	if strings.Contains(s.stdout.String(), "/_dev/mail") {
		t.Errorf("with SMTP configured the dev mailbox is announced:\n%s", s.stdout)
	}
	if status, _ := get(t, newClient(t), s.base+"/_dev/mail.json"); status != http.StatusNotFound {
		t.Errorf("/_dev/mail.json with SMTP configured: %d, want 404", status)
	}

	c := newClient(t)
	token := csrfFrom(t, c, s.base+"/forgot-password")
	resp, body := postForm(t, c, s.base+"/forgot-password", url.Values{"_csrf": {token}, "email": {"linus@example.com"}}, func(r *http.Request) {
		// The client keys its jar on r.Host, so send the session cookie
		// of the real origin by hand.
		for _, ck := range c.Jar.Cookies(r.URL) {
			r.AddCookie(ck)
		}
		r.Host = "evil.example"
		r.Header.Set("X-Forwarded-Host", "evil.example")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("Forwarded", "host=evil.example;proto=https")
	})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="forgot-sent"`) {
		t.Fatalf("POST /forgot-password: %d\n%s", resp.StatusCode, body)
	}

	msgs := mail.WaitFor(t, 1, 30*time.Second)
	msg := msgs[0]
	if len(msg.To) != 1 || msg.To[0] != "linus@example.com" {
		t.Errorf("reset mail to %q", msg.To)
	}
	if !strings.Contains(msg.From, "auth@gatehouse.test") {
		t.Errorf("envelope sender %q, want GATEHOUSE_MAIL_FROM's address", msg.From)
	}
	if strings.Contains(string(msg.Data), "evil.example") {
		t.Errorf("the reset mail mentions the forged host:\n%s", msg.Data)
	}
	link := smtptest.LinkIn(msg, base+"/reset-password?token=")
	if link == "" {
		text, htmlBody := smtptest.Bodies(msg)
		t.Fatalf("no link starting with %s/reset-password?token= in the mail:\n%s\n%s", base, text, htmlBody)
	}

	// Follow the link and choose a new password.
	const newPassword = "copper-meadow-thistle-77"
	rc := newClient(t)
	status, page := get(t, rc, link)
	if status != http.StatusOK {
		t.Fatalf("GET reset link: %d\n%s", status, page)
	}
	csrf, tok := csrfRE.FindStringSubmatch(page), tokenRE.FindStringSubmatch(page)
	if csrf == nil || tok == nil {
		t.Fatalf("reset page lacks _csrf or token:\n%s", page)
	}
	resp, body = postForm(t, rc, s.base+"/reset-password", url.Values{
		"_csrf":    {html.UnescapeString(csrf[1])},
		"token":    {html.UnescapeString(tok[1])},
		"password": {newPassword},
		"confirm":  {newPassword},
	}, nil)
	wantRedirect(t, resp, body, "/login")

	// The link works once.
	if status, _ := get(t, newClient(t), link); status != http.StatusBadRequest {
		t.Errorf("reset link reused: %d, want 400", status)
	}

	// The new password signs in; the old one is refused.
	resp, body = login(t, newClient(t), s.base, "linus@example.com", newPassword)
	wantRedirect(t, resp, body, "/account")
	resp, _ = login(t, newClient(t), s.base, "linus@example.com", strongPassword)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password after reset: %d, want 401", resp.StatusCode)
	}

	// The "password changed" notice goes out too.
	msgs = mail.WaitFor(t, 2, 30*time.Second)
	if to := msgs[1].To; len(to) != 1 || to[0] != "linus@example.com" {
		t.Errorf("second mail to %q", to)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 20*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// TestE2ECLISuspendReachesTheRunningServer: the server caches what a bearer
// request reads, and a `member suspend` run by another process beside it
// still ends the member's tokens within the cache's external-change bound
// (50 ms; internal/sqlite/cache.go).
func TestE2ECLISuspendReachesTheRunningServer(t *testing.T) {
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", "ada@example.com", "--password", strongPassword, "--name", "Ada"); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	c := newClient(t)
	post := func(path, body, bearer string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := post("/auth/login", `{"email":"ada@example.com","password":"`+strongPassword+`"}`, "")
	var login struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &login); status != http.StatusOK || err != nil || login.Data.AccessToken == "" {
		t.Fatalf("POST /auth/login: %d %s", status, body)
	}
	for range 3 { // the later ones are cache hits
		if status, body := post("/auth", "{}", login.Data.AccessToken); status != http.StatusOK {
			t.Fatalf("POST /auth before suspension: %d %s", status, body)
		}
	}
	if out, stderr, err := runBinary(t, e, "member", "suspend", "ada@example.com"); err != nil {
		t.Fatalf("member suspend: %v\n%s%s", err, out, stderr)
	}
	time.Sleep(100 * time.Millisecond) // twice the bound
	if status, body := post("/auth", "{}", login.Data.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("POST /auth after `member suspend` in another process: %d %s, want 401", status, body)
	}
}
