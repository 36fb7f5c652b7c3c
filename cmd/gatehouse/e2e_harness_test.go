package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/pgtest"
)

// binPath is the real gatehouse binary, built once by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "gatehouse")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool, "build", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gatehouse:", err)
		return 1
	}
	return pgtest.Main(m)
}

// subprocessEnv is the test's environment without any GATEHOUSE_ variable,
// plus extra.
func subprocessEnv(extra env) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			out = append(out, kv)
		}
	}
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is a running "gatehouse serve" subprocess.
type server struct {
	cmd            *exec.Cmd
	addr           string
	base           string // http://addr
	env            env
	stdout, stderr *syncBuffer
	exited         chan struct{} // closed when the process has exited
	waitErr        error         // valid after exited is closed
}

// startServer starts "gatehouse serve" with e (plus a free GATEHOUSE_ADDR
// when e has none) and waits until /healthz answers 200.
func startServer(t *testing.T, e env) *server {
	t.Helper()
	if e["GATEHOUSE_ADDR"] == "" {
		e["GATEHOUSE_ADDR"] = freeAddr(t)
	}
	s := &server{addr: e["GATEHOUSE_ADDR"], env: e, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	s.base = "http://" + s.addr
	s.cmd = exec.Command(binPath, "serve")
	s.cmd.Env = subprocessEnv(e)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr:\n%s", s.stdout, s.stderr)
		}
	})

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("gatehouse serve exited before /healthz answered: %v", s.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200 within 30s (last error %v)", err)
		}
	}
}

// runBinary runs the real binary with e as its GATEHOUSE_ environment.
func runBinary(t *testing.T, e env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = subprocessEnv(e)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// newClient returns a client with its own cookie jar that does not follow
// redirects, so tests see every 303.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var (
	csrfRE  = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// get fetches url and returns the status and body.
func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// csrfFrom fetches a page and returns the _csrf token of its form.
func csrfFrom(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	status, body := get(t, c, u)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, status, body)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s: no _csrf field in\n%s", u, body)
	}
	return html.UnescapeString(m[1])
}

// postForm posts form to u (with extra headers applied to the request) and
// returns the response with its body read.
func postForm(t *testing.T, c *http.Client, u string, form url.Values, edit func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if edit != nil {
		edit(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading body: %v", u, err)
	}
	return resp, string(b)
}

// login signs in through the pages and returns the response to POST /login.
func login(t *testing.T, c *http.Client, base, identifier, password string) (*http.Response, string) {
	t.Helper()
	token := csrfFrom(t, c, base+"/login")
	return postForm(t, c, base+"/login", url.Values{"_csrf": {token}, "identifier": {identifier}, "password": {password}}, nil)
}

// wantRedirect fails unless resp is a 303 to path.
func wantRedirect(t *testing.T, resp *http.Response, body, path string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: status %d, want 303 to %s\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, path, body)
	}
	if loc := resp.Header.Get("Location"); loc != path {
		t.Fatalf("%s %s: Location %q, want %q", resp.Request.Method, resp.Request.URL.Path, loc, path)
	}
}

// waitExit waits for the server process to exit and returns its error.
func (s *server) waitExit(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(timeout):
		t.Fatalf("gatehouse serve did not exit within %v", timeout)
		return nil
	}
}
