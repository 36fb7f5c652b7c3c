package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
	"gatehouse/web"
)

// listen serves app on a free 127.0.0.1 port until the test ends.
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String()
}

// rawRequest writes head (and the first bytes of a body) on a fresh
// connection and reads the response.
func rawRequest(t *testing.T, addr, head string) (*http.Response, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return res, err
}

// TestBodyLimitDialects (I1): a 5 MB body announced by Content-Length is
// refused with 413 from the headers alone on the dialect login routes too.
func TestBodyLimitDialects(t *testing.T) {
	e := newEnv(t, envOptions{})
	addr := listen(t, e.app)
	for _, path := range []string{"/auth/login", "/v1/login", "/rcms-api/1/login", "/api/login", "/auth/register", "/graphql/system"} {
		res, err := rawRequest(t, addr, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"email\":\"", path, 5<<20))
		if err != nil {
			t.Fatalf("%s: 5 MB POST: %v", path, err)
		}
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: 5 MB POST: %d, want 413", path, res.StatusCode)
		}
	}
}

// TestHeaderSizeLimit (I1): request headers beyond ReadBufferSize (8 KiB)
// get 431 or a closed connection, never a handler; the server keeps serving.
func TestHeaderSizeLimit(t *testing.T) {
	e := newEnv(t, envOptions{})
	addr := listen(t, e.app)
	res, err := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
	if err == nil && res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("16 KiB header: %d, want 431 or a closed connection", res.StatusCode)
	}
	res, err = rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("after the big header: %v %v", res, err)
	}
}

// TestStalledHeadersClosed (I1): a client that sends part of its headers and
// stalls is disconnected once ReadTimeout (here 1 s) has passed.
func TestStalledHeadersClosed(t *testing.T) {
	x := testenv.New(t, testenv.Options{})
	app := web.New(web.Deps{Auth: x.Svc, Config: web.Config{ReadTimeout: time.Second}})
	addr := listen(t, app)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_ = conn.SetDeadline(start.Add(10 * time.Second))
	if _, err := io.WriteString(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Ty"); err != nil {
		t.Fatal(err)
	}
	// The server may answer 408 before closing; either way the read ends
	// with EOF (or a reset) well before our own 10 s deadline.
	_, err = io.ReadAll(conn)
	waited := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", waited)
	}
	if waited > 5*time.Second {
		t.Fatalf("stalled connection closed after %v, want about ReadTimeout (1 s)", waited)
	}
}

// collectSecrets adds every long string of a JSON response (tokens, grant
// tokens, TOTP secrets and URLs) to into, leaving out request ids and
// timestamps, which may be logged.
func collectSecrets(into map[string]bool, v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, y := range x {
			collectSecrets(into, y)
		}
	case []any:
		for _, y := range x {
			collectSecrets(into, y)
		}
	case string:
		if len(x) < 16 || canaryUUIDRE.MatchString(x) {
			return
		}
		if _, err := time.Parse(time.RFC3339, x); err == nil {
			return
		}
		into[x] = true
	}
}

var canaryUUIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestSecretsNeverLogged (I4): canary passwords, reset tokens, TOTP secrets,
// grant, access and refresh tokens sent through the pages and three dialects
// appear neither in the logs nor in error pages; every log line is one
// record, and a username with a newline forges no extra line.
func TestSecretsNeverLogged(t *testing.T) {
	x := testenv.New(t, testenv.Options{})
	const pw, wrong, regPw, resetPw = "Canary-Pw-5a1e9c77", "Canary-Wrong-77d1ab", "Canary-Reg-3b8f2a11", "Canary-Reset-0c4d9e"
	x.CreateMember("ann@example.com", pw)
	e := &env{t: t, app: x.App, svc: x.Svc, store: x.Store, smtp: x.SMTP, baseURL: x.BaseURL, logs: x.Logs, clock: x.Clock}
	secrets := map[string]bool{pw: true, wrong: true, regPw: true, resetPw: true}
	api := func(method, path string, body any, headers ...string) map[string]any {
		r := x.Do(method, path, body, headers...)
		if r.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, r.StatusCode, r.Body)
		}
		v := r.JSON()
		collectSecrets(secrets, v)
		return v
	}

	// Pages: a wrong and a right password, a registration, a reset.
	b := e.browser()
	r := b.submit("/login", "/login", url.Values{"identifier": {"ann@example.com"}, "password": {wrong}})
	if strings.Contains(r.body, wrong) {
		t.Fatal("the login error page echoes the password")
	}
	b.mustLogin("ann@example.com", pw)
	e.browser().submit("/register", "/register", registerForm("Reg", "reg@example.com", regPw))
	e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"ann@example.com"}})
	var link string
	for _, m := range e.smtp.WaitFor(t, 2, 10*time.Second) {
		if l := smtptest.LinkIn(m, "https://"); strings.Contains(l, "/reset-password?token=") {
			link = l
		}
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("token")
	secrets[token] = true
	rb := e.browser()
	rb.submit(u.RequestURI(), "/reset-password", url.Values{"token": {token}, "password": {"x"}, "confirm": {"y"}})
	rb.submit(u.RequestURI(), "/reset-password", url.Values{"token": {token}, "password": {resetPw}, "confirm": {resetPw}})
	if r := rb.get("/reset-password?token=" + url.QueryEscape(token)); strings.Contains(r.body, token) && r.StatusCode >= 400 {
		t.Fatal("an error page echoes the reset token")
	}

	// wme: login, refresh, revoke; a wrong password.
	api("POST", "/v1/login", map[string]string{"username": "ann@example.com", "password": wrong})
	w := api("POST", "/v1/login", map[string]string{"username": "ann@example.com", "password": resetPw})
	refresh, _ := w["refresh_token"].(string)
	api("POST", "/v1/token-refresh", map[string]string{"username": "ann@example.com", "refresh_token": refresh})
	api("POST", "/v1/token-revoke", map[string]string{"refresh_token": refresh})
	// kuroco: grant token, then tokens.
	k := api("POST", "/rcms-api/1/login", map[string]any{"email": "ann@example.com", "password": resetPw})
	grant, _ := k["grant_token"].(string)
	api("POST", "/rcms-api/1/token", map[string]string{"grant_token": grant})
	// directus: tokens, then a TOTP secret.
	d := api("POST", "/auth/login", map[string]string{"email": "ann@example.com", "password": resetPw})
	data, _ := d["data"].(map[string]any)
	access, _ := data["access_token"].(string)
	api("POST", "/users/me/tfa/generate", map[string]string{"password": resetPw}, "Authorization", "Bearer "+access)
	api("POST", "/auth/refresh", map[string]string{"refresh_token": fmt.Sprint(data["refresh_token"]), "mode": "json"})

	if len(secrets) < 10 {
		t.Fatalf("only %d canaries collected; the flows above did not run: %v", len(secrets), secrets)
	}
	// A username with a newline, through a dialect and a page.
	before := strings.Count(x.Logs.String(), "msg=request ")
	api("POST", "/v1/login", map[string]string{"username": "evil\nlevel=ERROR msg=forged", "password": wrong})
	e.browser().postRaw("/login", url.Values{"identifier": {"evil\nlevel=ERROR msg=forged"}})
	logs := x.Logs.String()
	if n := strings.Count(logs, "msg=request ") - before; n != 2 {
		t.Fatalf("%d access-log lines for 2 requests", n)
	}
	for _, line := range strings.Split(strings.TrimSuffix(logs, "\n"), "\n") {
		if !strings.HasPrefix(line, "time=") {
			t.Fatalf("a log line that is not a record (forged by a newline?): %q", line)
		}
	}
	for s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("secret %.12q… appears in the logs", s)
		}
	}
}
