// Command bench is `task bench`: it builds the real gatehouse binary, starts
// it on 127.0.0.1 with a fresh database (100,000 seeded members), drives it
// with closed-loop clients through the scenarios, and writes
// bench/out/results.md, results.json and latency.svg. It exits non-zero
// when any scenario saw an error.
//
//	go run ./bench [-duration 5s] [-out bench/out]
//	go run ./bench -only forgot    (forgot-password doors, known vs unknown; see forgot.go)
//	go run ./bench -only engines   (SQLite vs PostgreSQL on one and three nodes; see engines.go)
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/sqlite"
)

const (
	password      = "Bench-Passw0rd-Quartz-71"
	ownerEmail    = "owner@bench.example.com"
	loginMembers  = 16 // logins rotate among these, far from any per-account limit
	seededMembers = 100_000
)

var (
	flagDuration = flag.Duration("duration", 5*time.Second, "how long each scenario runs")
	flagOut      = flag.String("out", filepath.Join("bench", "out"), "output directory")
	flagMembers  = flag.Int("members", seededMembers, "members seeded for the member list")
	flagOnly     = flag.String("only", "", `run one scenario alone instead of the default run: "forgot", "engines" or "audit"`)
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var code int
	switch *flagOnly {
	case "":
		code = run(ctx)
	case "forgot":
		code = runForgot(ctx)
	case "engines":
		code = runEngines(ctx)
	case "audit":
		code = runAudit(ctx)
	default:
		logf("-only %q: the scenarios that run alone are \"forgot\", \"engines\" and \"audit\"", *flagOnly)
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

	bare, bareURL, err := startBare()
	if err != nil {
		logf("bare fiber: %v", err)
		return 1
	}
	b := &bencher{ctx: ctx, base: base, pid: srv.cmd.Process.Pid, dur: *flagDuration,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true,
			DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	defer func() {
		// fasthttp's Shutdown waits for keep-alive connections: close ours
		// first, and bound it anyway.
		b.client.CloseIdleConnections()
		_ = bare.ShutdownWithTimeout(2 * time.Second)
	}()
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

type server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
}

func subprocessEnv(extra map[string]string) []string {
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

func runBin(ctx context.Context, bin string, env map[string]string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = subprocessEnv(env)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

func startServer(ctx context.Context, bin string, env map[string]string, logPath string) (*server, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{exited: make(chan struct{}), log: f}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = subprocessEnv(env)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get("http://" + env["GATEHOUSE_ADDR"] + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			s.stop()
			return nil, fmt.Errorf("gatehouse serve exited before /healthz answered:\n%s", tail(logPath, 4000))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("/healthz did not answer within 30s (last error %v)", err)
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 10 s.
func (s *server) stop() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	s.log.Close()
}

func tail(path string, n int64) string {
	b, _ := os.ReadFile(path)
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startBare starts the baseline: a bare Fiber app with one small JSON handler.
func startBare() (*fiber.App, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/auth", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"message": "Welcome, Bench", "user": fiber.Map{"name": "Bench", "bio": nil, "email": "bench@example.com"}})
	})
	go func() { _ = app.Listener(ln) }()
	return app, "http://" + ln.Addr().String() + "/auth", nil
}

// procStatus reads a "kB" field of /proc/<pid>/status in bytes (0 when
// unavailable).
func procStatus(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procCPU is the user+system CPU time of a process so far (0 when
// unavailable). /proc/<pid>/stat counts in clock ticks of 1/100 s.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: fields after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// loadAvg is the first field of /proc/loadavg, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(strings.Fields(string(b))) == 0 {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// ---- load generation ----

type bencher struct {
	ctx    context.Context
	base   string
	pid    int
	dur    time.Duration
	client *http.Client
}

// op performs one request for worker w; a non-nil error is a failed request.
type op func(w int) error

// do sends req and returns its body; a transport error or a status outside
// 2xx/3xx is an error.
func (b *bencher) do(req *http.Request) ([]byte, error) {
	resp, err := b.client.Do(req.WithContext(b.ctx))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return body, fmt.Errorf("%s %s: %d %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return body, nil
}

func (b *bencher) postJSON(u string, v any, bearer string) ([]byte, error) {
	js, _ := json.Marshal(v)
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return b.do(req)
}

// measure runs conc closed-loop workers calling f for b.dur and summarizes.
func (b *bencher) measure(name string, conc int, f op) Result {
	return b.measureFor(name, conc, b.dur, f)
}

func (b *bencher) measureFor(name string, conc int, dur time.Duration, f op) Result {
	if b.ctx.Err() != nil { // interrupted: skip the rest quietly
		return Result{Scenario: name, Concurrency: conc}
	}
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr string
		peak     atomic.Uint64
		wg       sync.WaitGroup
	)
	done := make(chan struct{})
	monDone := make(chan struct{})
	go func() { // peak RSS of the server during the scenario
		defer close(monDone)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for b.pid != 0 {
			if rss := procStatus(b.pid, "VmRSS"); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	var cpu0 time.Duration
	if b.pid != 0 {
		cpu0 = procCPU(b.pid)
	}
	start := time.Now()
	deadline := start.Add(dur)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			var n int
			var first string
			for time.Now().Before(deadline) && b.ctx.Err() == nil {
				t0 := time.Now()
				err := f(w)
				lat = append(lat, time.Since(t0))
				if err != nil {
					if b.ctx.Err() != nil {
						lat = lat[:len(lat)-1]
						break
					}
					n++
					if first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += n
			if firstErr == "" {
				firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	<-monDone
	r := summarize(name, conc, all, errs, elapsed, peak.Load())
	r.FirstError = firstErr
	if b.pid != 0 {
		r.ServerCores = (procCPU(b.pid) - cpu0).Seconds() / elapsed.Seconds()
	}
	logf("%-40s c=%-3d %7d req %9.1f req/s p50 %8.2f ms p99 %8.2f ms errors %d rss %.1f MiB server cpu %.2f cores",
		name, conc, r.Requests, r.Throughput, r.P50ms, r.P99ms, r.Errors, r.PeakRSSMiB, r.ServerCores)
	return r
}

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
	for i := range loginMembers {
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
		emails = append(emails, email)
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
	// The baseline runs inside this process: no server RSS or CPU to watch.
	inProc := *b
	inProc.pid = 0
	bareR := inProc.measure("bare Fiber handler (baseline, in-process)", 32, bareReq)
	bareR.InProcess = true
	add(bareR)
	if bareR.Throughput > 0 {
		rep.AuthOverBareRatio = authR.Throughput / bareR.Throughput
	}

	// Refresh rotation: each client owns one family.
	refreshClients := min(8, len(pairs)-1)
	latest := make([]string, refreshClients)
	for i := range latest {
		latest[i] = pairs[i].Refresh.Token
	}
	add(b.measure("refresh rotation (POST /auth/refresh-tokens)", refreshClients, func(w int) error {
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
		NewTarget("authenticated request ÷ bare Fiber", rep.AuthOverBareRatio, 0.5, "", true),
		NewTarget("errors over all scenarios", noErrors, 1, "", false),
		NewTarget("peak RSS during the login storm", max(login1.PeakRSSMiB, login4.PeakRSSMiB), 256, "MiB", false),
	}
	return rep, nil
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
