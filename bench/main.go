// Command bench is `task bench`: it builds the real gatehouse binary, starts
// it on 127.0.0.1 with a fresh database (100,000 seeded members), drives it
// with closed-loop clients through the scenarios, and writes
// bench/out/results.md, results.json and latency.svg. It exits non-zero
// when any scenario saw an error.
//
//	go run ./bench [-duration 5s] [-out bench/out]
//	go run ./bench -only forgot    (forgot-password doors, known vs unknown; see forgot.go)
//	go run ./bench -only engines   (SQLite vs PostgreSQL on one and three nodes; see engines.go)
//	go run ./bench -only storms    (registration and login storms of 200 clients; see storm.go)
//	go run ./bench -only audit     (the admin audit page at 1,000,000 entries; see audit.go)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	"gatehouse/internal/sqlite"
)

const (
	password     = "Bench-Passw0rd-Quartz-71"
	ownerEmail   = "owner@bench.example.com"
	loginMembers = 16 // logins rotate among these, far from any per-account limit
	// refreshFamilies rotate concurrently, one client each: enough for the
	// writer's group commit to form batches, as a busy server's would.
	refreshFamilies = 32
	seededMembers   = 100_000
)

var (
	flagDuration = flag.Duration("duration", 5*time.Second, "how long each scenario runs")
	flagOut      = flag.String("out", filepath.Join("bench", "out"), "output directory")
	flagMembers  = flag.Int("members", seededMembers, "members seeded for the member list")
	flagProfile  = flag.Bool("profile", false, "save CPU profiles of the server during the storms in the output directory (served on a private metrics listener)")
	flagBare     = flag.String("serve-bare", "", "internal: serve the bare Fiber baseline on this address (the benchmark starts it)")
	flagOnly     = flag.String("only", "", `run one scenario alone instead of the default run: "forgot", "engines", "storms", "audit" or "oidc"`)
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var code int
	if *flagBare != "" {
		code = serveBare(ctx, *flagBare)
		stop()
		os.Exit(code)
	}
	switch *flagOnly {
	case "", "storms":
		code = run(ctx)
	case "forgot":
		code = runForgot(ctx)
	case "engines":
		code = runEngines(ctx)
	case "audit":
		code = runAudit(ctx)
	case "oidc":
		code = runOIDC(ctx)
	default:
		logf("-only %q: the scenarios that run alone are \"forgot\", \"engines\", \"storms\", \"audit\" and \"oidc\"", *flagOnly)
		code = 2
	}
	stop()
	os.Exit(code)
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

func run(ctx context.Context) int {
	started := time.Now()
	tmp, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		logf("temp dir: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "gatehouse")
	logf("building ./cmd/gatehouse")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gatehouse")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		logf("build: %v", err)
		return 1
	}

	addr, err := freeAddr()
	if err != nil {
		logf("free port: %v", err)
		return 1
	}
	env := map[string]string{
		"GATEHOUSE_DB":            filepath.Join(tmp, "gatehouse.db"),
		"GATEHOUSE_ADDR":          addr,
		"GATEHOUSE_ENV":           "dev",
		"GATEHOUSE_IP_RATE_LIMIT": "off",
	}
	if *flagProfile {
		if env["GATEHOUSE_METRICS_ADDR"], err = freeAddr(); err != nil {
			logf("free port: %v", err)
			return 1
		}
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
	if err := runBin(ctx, bin, env, "member", "create", "--email", ownerEmail, "--password", password, "--name", "Bench Owner", "--role", "owner"); err != nil {
		logf("owner: %v", err)
		return 1
	}

	srv, err := startServer(ctx, bin, env, filepath.Join(tmp, "server.log"))
	if err != nil {
		logf("server: %v", err)
		return 1
	}
	defer srv.stop()
	base := "http://" + addr

	bare, bareURL, err := startBare(ctx, filepath.Join(tmp, "bare.log"))
	if err != nil {
		logf("bare fiber: %v", err)
		return 1
	}
	defer bare.stop()
	b := &bencher{bare: bare.cmd.Process.Pid, ctx: ctx, base: base, pid: srv.cmd.Process.Pid, dur: *flagDuration, metrics: env["GATEHOUSE_METRICS_ADDR"],
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	defer b.client.CloseIdleConnections()
	rep, err := b.all(bareURL)
	rep.Started, rep.LoadAvgEnd = started, loadAvg()
	if err != nil {
		logf("%v", err)
		if ctx.Err() == nil {
			logf("server log tail:\n%s", tail(filepath.Join(tmp, "server.log"), 4000))
		}
		return 1
	}
	rep.ServerVmHWMMiB = float64(procStatus(srv.cmd.Process.Pid, "VmHWM")) / (1 << 20)

	if err := writeOutputs(*flagOut, rep); err != nil {
		logf("writing results: %v", err)
		return 1
	}
	writeMarkdown(os.Stdout, rep)
	failed := false
	for _, t := range rep.Targets {
		if !t.Pass {
			logf("target missed: %s (measured %.3f, required %.3f)", t.Name, t.Measured, t.Limit)
		}
	}
	for _, r := range append(append([]Result{}, rep.Results...), rep.Sweep...) {
		if r.Errors > 0 {
			failed = true
			logf("%s (%d clients): %d errors, first: %s", r.Scenario, r.Concurrency, r.Errors, r.FirstError)
		}
	}
	logf("wrote %s/results.md, results.json, latency.svg", *flagOut)
	if failed {
		return 1
	}
	return 0
}

func writeOutputs(dir string, rep Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var md, js, svg bytes.Buffer
	writeMarkdown(&md, rep)
	if err := writeJSON(&js, rep); err != nil {
		return err
	}
	if err := writeSVG(&svg, "Password login latency against concurrency (POST /v1/login)", rep.Sweep); err != nil {
		return err
	}
	for name, buf := range map[string]*bytes.Buffer{"results.md": &md, "results.json": &js, "latency.svg": &svg} {
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ---- the server under test ----

type tokens struct {
	Access  struct{ Token string } `json:"access"`
	Refresh struct{ Token string } `json:"refresh"`
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *bencher) all(bareURL string) (Report, error) {
	cores := runtime.NumCPU()
	rep := Report{Cores: cores, Duration: b.dur.String(), LoadAvgStart: loadAvg()}
	run := fmt.Sprint(time.Now().UnixNano())

	// Members to sign in as, each registered through openapi (which also
	// hands out an access/refresh pair per member).
	var emails []string
	var pairs []tokens
	for i := range max(loginMembers, refreshFamilies+1) {
		email := fmt.Sprintf("login%d-%s@example.com", i, run)
		body, err := b.postJSON(b.base+"/auth/register", map[string]string{
			"name": fmt.Sprintf("Bench Login %d", i), "email": email, "password": password, "confirm": password}, "")
		if err != nil {
			return rep, fmt.Errorf("registering %s: %v", email, err)
		}
		var resp struct{ Tokens tokens }
		if err := json.Unmarshal(body, &resp); err != nil || resp.Tokens.Refresh.Token == "" {
			return rep, fmt.Errorf("register answer without tokens: %.300s", body)
		}
		if i < loginMembers {
			emails = append(emails, email)
		}
		pairs = append(pairs, resp.Tokens)
	}
	if b.ctx.Err() != nil {
		return rep, b.ctx.Err()
	}

	var loginSeq atomic.Uint64
	login := func(int) error {
		email := emails[loginSeq.Add(1)%uint64(len(emails))]
		_, err := b.postJSON(b.base+"/v1/login", map[string]string{"username": email, "password": password}, "")
		return err
	}

	// One login alone: the median of sequential logins.
	var single []time.Duration
	for i := range 21 {
		t0 := time.Now()
		if err := login(i); err != nil {
			return rep, fmt.Errorf("single login: %v", err)
		}
		single = append(single, time.Since(t0))
	}
	sort.Slice(single, func(i, j int) bool { return single[i] < single[j] })
	rep.SingleLoginMs = ms(percentile(single, 50))
	rep.LoginLimitRPS = float64(cores) / (rep.SingleLoginMs / 1000)
	logf("one login alone: %.2f ms (limit %.1f logins/s on %d cores)", rep.SingleLoginMs, rep.LoginLimitRPS, cores)
	if *flagOnly == "storms" {
		b.storms(&rep, emails, run)
		for _, s := range rep.Storms {
			rep.Targets = append(rep.Targets, stormTargets(s)...)
		}
		return rep, b.ctx.Err()
	}

	add := func(r Result) Result { rep.Results = append(rep.Results, r); return r }
	login1 := add(b.measure("password login (POST /v1/login)", cores, login))
	login4 := add(b.measure("password login (POST /v1/login)", 4*cores, login))
	rep.LoginRatio = login1.Throughput / rep.LoginLimitRPS

	// Authenticated request and the bare Fiber baseline.
	access := pairs[len(pairs)-1].Access.Token
	authReq := func(int) error {
		_, err := b.postJSON(b.base+"/auth", struct{}{}, access)
		return err
	}
	bareReq := func(int) error {
		_, err := b.postJSON(bareURL, struct{}{}, access)
		return err
	}
	authR := add(b.measure("authenticated request (POST /auth, Bearer)", 32, authReq))
	// The baseline is a process of its own, like the server.
	bareB := *b
	bareB.pid = b.bare
	bareR := add(bareB.measure("bare Fiber handler (baseline, own process)", 32, bareReq))
	if bareR.Throughput > 0 {
		rep.AuthOverBareRatio = authR.Throughput / bareR.Throughput
	}

	// Refresh rotation: each client owns one family.
	refreshClients := min(refreshFamilies, len(pairs)-1)
	latest := make([]string, refreshClients)
	for i := range latest {
		latest[i] = pairs[i].Refresh.Token
	}
	rotation := add(b.measure("refresh rotation (POST /auth/refresh-tokens)", refreshClients, func(w int) error {
		body, err := b.postJSON(b.base+"/auth/refresh-tokens", map[string]string{"refreshToken": latest[w]}, "")
		if err != nil {
			return err
		}
		var t tokens
		if err := json.Unmarshal(body, &t); err != nil || t.Refresh.Token == "" {
			return fmt.Errorf("refresh answer without a token: %.200s", body)
		}
		latest[w] = t.Refresh.Token
		return nil
	}))

	add(b.measure("login page (GET /login)", 32, func(int) error {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/login", nil)
		_, err := b.do(req)
		return err
	}))

	var regSeq atomic.Uint64
	add(b.measure("registration (POST /auth/register)", 2*cores, func(int) error {
		n := regSeq.Add(1)
		_, err := b.postJSON(b.base+"/auth/register", map[string]string{
			"name": "Bench Member", "email": fmt.Sprintf("reg%d-%s@example.com", n, run), "password": password, "confirm": password}, "")
		return err
	}))

	b.storms(&rep, emails, run)

	// The member list as the signed-in owner.
	cookieClient, err := b.ownerClient()
	if err != nil {
		return rep, err
	}
	for _, tc := range []struct{ name, path string }{
		{fmt.Sprintf("member list, first page (%dk members)", *flagMembers/1000), "/admin/members"},
		{"member list, search ?q=user42", "/admin/members?q=user42"},
	} {
		add(b.measure(tc.name, 4, func(int) error {
			req, _ := http.NewRequest(http.MethodGet, b.base+tc.path, nil)
			resp, err := cookieClient.Do(req.WithContext(b.ctx))
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %d", tc.path, resp.StatusCode)
			}
			return nil
		}))
	}

	// Login latency against concurrency, for the chart.
	sweepDur := max(b.dur/2, time.Second)
	for _, c := range []int{1, 2, 4, 8} {
		rep.Sweep = append(rep.Sweep, b.measureFor("login sweep (POST /v1/login)", c, sweepDur, login))
	}
	if b.ctx.Err() != nil {
		return rep, b.ctx.Err()
	}

	noErrors := 0.0
	for _, r := range append(append([]Result{}, rep.Results...), rep.Sweep...) {
		noErrors += float64(r.Errors)
	}
	rep.Targets = []Target{
		NewTarget("login throughput at 1× cores ÷ physical limit", rep.LoginRatio, 0.9, "", true),
		NewTarget("authenticated request ÷ bare Fiber (own process)", rep.AuthOverBareRatio, 0.7, "", true),
		NewTarget("refresh rotations per second", rotation.Throughput, 3000, "/s", true),
		NewTarget("errors over all scenarios", noErrors, 1, "", false),
		NewTarget("peak RSS under login load and the storms", peakUnderLoad(rep.Storms, login1, login4), 256, "MiB", false),
	}
	for _, s := range rep.Storms {
		rep.Targets = append(rep.Targets, stormTargets(s)...)
	}
	return rep, nil
}

// peakUnderLoad is the highest RSS seen during the login scenarios and the
// storms.
func peakUnderLoad(storms []StormResult, logins ...Result) float64 {
	peak := 0.0
	for _, r := range logins {
		peak = max(peak, r.PeakRSSMiB)
	}
	for _, s := range storms {
		peak = max(peak, s.PeakRSSMiB)
	}
	return peak
}

// ownerClient signs the owner in through the login page (GET /login for the
// CSRF token, POST /login) and returns a client carrying the session cookie.
func (b *bencher) ownerClient() (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: b.client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(b.base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on /login")
	}
	form := url.Values{"identifier": {ownerEmail}, "password": {password}, "_csrf": {html.UnescapeString(string(m[1]))}}
	resp, err = c.PostForm(b.base+"/login", form)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("owner sign-in: status %d", resp.StatusCode)
	}
	return c, nil
}
