package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/sqlite"
)

// The forgot-password scenario (go run ./bench -only forgot): every
// forgot-password door of the real binary gets forgotRounds requests for a
// known and as many for an unknown address, interleaved known, unknown,
// unknown, known … so drift hits both alike, one at a time. Before each
// request the bench waits until the server's outbox worker has resolved the
// previous one (it reads the pending request rows from the database): that
// work is off the request path by design, and left running it would land on
// whichever request comes next. The report gives each door's medians and
// their ratio; the target is a ratio within 10 %.
const (
	forgotRounds  = 50
	forgotWarmup  = 5
	forgotKnown   = "known@bench.example.com"
	forgotUnknown = "nobody@bench.example.com" // no member; as long as forgotKnown would not matter
	forgotPause   = time.Millisecond
	forgotMaxDiff = 0.10
)

// forgotResult is one door's measurement.
type forgotResult struct {
	Door               string
	KnownMs, UnknownMs float64 // medians
	Ratio              float64 // known ÷ unknown

	known, unknown []time.Duration // the samples
}

// forgotDoor sends one request for who and returns the time of the timed
// part (a page's CSRF fetch is not timed).
type forgotDoorFn func(b *bencher, who string) (time.Duration, error)

var forgotDoors = []struct {
	name string
	send forgotDoorFn
}{
	{"POST /forgot-password (page)", forgotPage},
	{"POST /rcms-api/1/reminder (kuroco)", forgotJSON("/rcms-api/1/reminder", "email")},
	{"POST /v1/forgot-password (wme)", forgotJSON("/v1/forgot-password", "username")},
	{"POST /api/user/resetpassword (kotive)", forgotJSON("/api/user/resetpassword", "email")},
	{"POST /auth/password/request (directus)", forgotJSON("/auth/password/request", "email")},
	{"POST /graphql/system auth_password_request (directus)", forgotGraphQL},
	{"POST /auth/forgot-password (openapi)", forgotJSON("/auth/forgot-password", "email")},
}

func forgotJSON(path, field string) forgotDoorFn {
	return func(b *bencher, who string) (time.Duration, error) {
		start := time.Now()
		_, err := b.postJSON(b.base+path, map[string]string{field: who}, "")
		return time.Since(start), err
	}
}

func forgotGraphQL(b *bencher, who string) (time.Duration, error) {
	start := time.Now()
	body, err := b.postJSON(b.base+"/graphql/system", map[string]string{
		"query": `mutation { auth_password_request(email: ` + strconv.Quote(who) + `) }`}, "")
	d := time.Since(start)
	if err == nil && bytes.Contains(body, []byte(`"errors"`)) {
		err = fmt.Errorf("graphql: %.200s", body)
	}
	return d, err
}

// forgotPage fetches the form (for its CSRF token and cookie, untimed) and
// times the POST.
func forgotPage(b *bencher, who string) (time.Duration, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: b.client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(b.base + "/forgot-password")
	if err != nil {
		return 0, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return 0, errors.New("no CSRF token on /forgot-password")
	}
	form := url.Values{"email": {who}, "_csrf": {html.UnescapeString(string(m[1]))}}
	start := time.Now()
	resp, err = c.PostForm(b.base+"/forgot-password", form)
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("POST /forgot-password: %d", resp.StatusCode)
	}
	return d, nil
}

// runForgot is `go run ./bench -only forgot`.
func runForgot(ctx context.Context) int {
	started, loadStart := time.Now(), loadAvg()
	tmp, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		logf("temp dir: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	logf("building ./cmd/gatehouse")
	if err := runCmd(ctx, "go", "build", "-o", bin, "./cmd/gatehouse"); err != nil {
		logf("build: %v", err)
		return 1
	}
	addr, err := freeAddr()
	if err != nil {
		logf("free port: %v", err)
		return 1
	}
	env := map[string]string{
		"GATEHOUSE_DB":   filepath.Join(tmp, "gatehouse.db"),
		"GATEHOUSE_ADDR": addr,
		"GATEHOUSE_ENV":  "dev",
		// 700 requests from one IP, 350 for one address: the limits would
		// answer 429 long before; they are not what is measured here.
		"GATEHOUSE_RESET_LIMIT_PER_ADDRESS": "off",
		"GATEHOUSE_RESET_LIMIT_PER_IP":      "off",
	}
	if err := runBin(ctx, bin, env, "migrate"); err != nil {
		logf("migrate: %v", err)
		return 1
	}
	logf("seeding %d members", *flagMembers)
	if err := sqlite.SeedMembers(env["GATEHOUSE_DB"], *flagMembers); err != nil {
		logf("seed: %v", err)
		return 1
	}
	if err := runBin(ctx, bin, env, "member", "create", "--email", forgotKnown, "--password", password, "--name", "Known Member"); err != nil {
		logf("member: %v", err)
		return 1
	}
	srv, err := startServer(ctx, bin, env, filepath.Join(tmp, "server.log"))
	if err != nil {
		logf("server: %v", err)
		return 1
	}
	defer srv.stop()
	b := &bencher{ctx: ctx, base: "http://" + addr, pid: srv.cmd.Process.Pid, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}}}
	defer b.client.CloseIdleConnections()

	key, err := sqlite.LoadOrCreateKey(filepath.Join(tmp, "gatehouse.key"))
	if err != nil {
		logf("key: %v", err)
		return 1
	}
	st, err := sqlite.Open(env["GATEHOUSE_DB"], sqlite.Options{PayloadKey: key})
	if err != nil {
		logf("open the database: %v", err)
		return 1
	}
	defer st.Close()
	settle := func() error { // until the worker has resolved every request
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := st.PendingRequests(ctx)
			if err != nil || n == 0 {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%d requests still unresolved after 10 s", n)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}
	var results []forgotResult
	for _, d := range forgotDoors {
		logf("%s", d.name)
		r, err := measureForgot(ctx, b, d.name, d.send, settle)
		if err != nil {
			logf("%s: %v", d.name, err)
			logf("server log tail:\n%s", tail(filepath.Join(tmp, "server.log"), 4000))
			return 1
		}
		results = append(results, r)
	}
	// Every door's samples together: the tighter estimate on a noisy machine.
	var allKnown, allUnknown []time.Duration
	for _, r := range results {
		allKnown, allUnknown = append(allKnown, r.known...), append(allUnknown, r.unknown...)
	}
	results = append(results, forgotSummary("all doors together", allKnown, allUnknown))
	var md bytes.Buffer
	writeForgotMarkdown(&md, results, started, loadStart, loadAvg())
	os.Stdout.Write(md.Bytes())
	if err := appendSection(filepath.Join(*flagOut, "results.md"), forgotHeading, md.Bytes()); err != nil {
		logf("writing results: %v", err)
		return 1
	}
	logf("wrote %s/results.md", *flagOut)
	return 0
}

// runCmd runs a command with its output on stderr.
func runCmd(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func measureForgot(ctx context.Context, b *bencher, door string, send forgotDoorFn, settle func() error) (forgotResult, error) {
	var known, unknown []time.Duration
	for i := range 2 * (forgotRounds + forgotWarmup) {
		if ctx.Err() != nil {
			return forgotResult{}, ctx.Err()
		}
		// known, unknown, unknown, known, …
		isKnown := (i%4 == 0) || (i%4 == 3)
		who := forgotUnknown
		if isKnown {
			who = forgotKnown
		}
		if err := settle(); err != nil {
			return forgotResult{}, err
		}
		time.Sleep(forgotPause)
		d, err := send(b, who)
		if err != nil {
			return forgotResult{}, err
		}
		if i >= 2*forgotWarmup {
			if isKnown {
				known = append(known, d)
			} else {
				unknown = append(unknown, d)
			}
		}
	}
	return forgotSummary(door, known, unknown), nil
}

// forgotSummary is the medians of the two samples and their ratio.
func forgotSummary(door string, known, unknown []time.Duration) forgotResult {
	r := forgotResult{Door: door, KnownMs: ms(median(known)), UnknownMs: ms(median(unknown)),
		known: known, unknown: unknown}
	if r.UnknownMs > 0 {
		r.Ratio = r.KnownMs / r.UnknownMs
	}
	return r
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return percentile(s, 50)
}

const forgotHeading = "## Forgot-password: known vs unknown address"

func writeForgotMarkdown(w io.Writer, rs []forgotResult, started time.Time, loadStart, loadEnd string) {
	fmt.Fprintf(w, "%s\n\n", forgotHeading)
	fmt.Fprintf(w, "`go run ./bench -only forgot` at %s: %d requests for a known and %d for an unknown address per door, "+
		"interleaved, one at a time once the worker has resolved the previous one, after %d warm-up pairs; reset limits off. Load average %s at the start, %s at the end.\n\n",
		started.UTC().Format("2006-01-02 15:04 UTC"), forgotRounds, forgotRounds, forgotWarmup, loadStart, loadEnd)
	fmt.Fprintln(w, "| Door | known p50 (ms) | unknown p50 (ms) | known ÷ unknown | within 10 % |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, r := range rs {
		ok := "yes"
		if r.Ratio > 1+forgotMaxDiff || r.Ratio < 1-forgotMaxDiff {
			ok = "no"
		}
		fmt.Fprintf(w, "| %s | %.3f | %.3f | %.3f | %s |\n", r.Door, r.KnownMs, r.UnknownMs, r.Ratio, ok)
	}
	fmt.Fprintln(w)
}

// appendSection replaces the section under heading in the file (or appends
// it), keeping the rest of a default run's results.md.
func appendSection(path, heading string, section []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	if i := strings.Index(text, heading); i >= 0 {
		text = text[:i]
	}
	if text != "" && !strings.HasSuffix(text, "\n\n") {
		text = strings.TrimRight(text, "\n") + "\n\n"
	}
	return os.WriteFile(path, append([]byte(text), section...), 0o644)
}
