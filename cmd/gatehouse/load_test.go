package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// long selects the long forms of the load and fault tests (docs/security.md L1–L4):
// `go test -run 'Load|Crash|Outage' -timeout 30m ./cmd/gatehouse/ -args -long`,
// or `task test-long`.
var long = flag.Bool("long", false, "run the long forms of the load and fault tests")

// rssCeiling is the documented bound on the server's peak resident memory
// during the login storm (issue 5: under 256 MiB). Password hashing runs in
// a pool of about one slot per core, so the storm's memory stays near
// idle + slots × argon2 memory (19 MiB each).
const rssCeiling = 256 << 20

// lockedMarkers are the texts of SQLite's busy errors, which must never
// reach a client or the log (L1).
var lockedMarkers = []string{"database is locked", "SQLITE_BUSY"}

// reply is the outcome of one request made by a load or fault test.
type reply struct {
	status int
	header http.Header
	body   []byte
	dur    time.Duration
	err    error
}

// loadClient is an HTTP client for many concurrent connections to one host.
func loadClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send makes one request with a JSON body (nil: none) and reads the answer.
// It never fails the test: load and fault tests classify errors themselves.
func send(ctx context.Context, c *http.Client, method, u string, body any) reply {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return reply{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ip, ok := ctx.Value(forwardedFor{}).(string); ok {
		req.Header.Set("X-Forwarded-For", ip)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err, dur: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, dur: time.Since(start), err: err}
}

// registerBody is the body of the openapi dialect's POST /auth/register.
func registerBody(name, email, password string) map[string]string {
	return map[string]string{"name": name, "email": email, "password": password, "confirm": password}
}

// registered is the part of a 201 from POST /auth/register the tests use.
type registered struct {
	Tokens struct {
		Access, Refresh struct {
			Token string `json:"token"`
		}
	} `json:"tokens"`
}

// peakRSS reads the peak resident set size (VmHWM) of process pid.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// opStats counts the outcomes of one kind of request in a storm.
type opStats struct {
	mu         sync.Mutex
	ok, busy   int // busy: deliberate 503s
	unexpected map[string]int
	locked     int
	durs       []time.Duration
}

// record classifies r; want is the success status.
func (s *opStats) record(r reply, want int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unexpected == nil {
		s.unexpected = map[string]int{}
	}
	for _, m := range lockedMarkers {
		if bytes.Contains(r.body, []byte(m)) {
			s.locked++
		}
	}
	switch {
	case r.err != nil:
		s.unexpected["transport: "+r.err.Error()]++
	case r.status == want:
		s.ok++
		s.durs = append(s.durs, r.dur)
	case r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "":
		s.busy++
	default:
		body := string(r.body)
		if len(body) > 200 {
			body = body[:200]
		}
		s.unexpected[fmt.Sprintf("%d %s", r.status, body)]++
	}
}

func (s *opStats) summary(name string, elapsed time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Slice(s.durs, func(i, j int) bool { return s.durs[i] < s.durs[j] })
	pct := func(p float64) time.Duration {
		if len(s.durs) == 0 {
			return 0
		}
		return s.durs[int(p*float64(len(s.durs)-1))]
	}
	bad := 0
	for _, n := range s.unexpected {
		bad += n
	}
	return fmt.Sprintf("%-14s ok %6d (%7.1f/s)  p50 %8v  p99 %8v  503 %5d  unexpected %d",
		name, s.ok, float64(s.ok)/elapsed.Seconds(), pct(.5).Round(time.Millisecond), pct(.99).Round(time.Millisecond), s.busy, bad)
}

// TestLoadStorm is L1: 200 concurrent logins and 50 concurrent
// registrations, refreshes and page views against the real binary, for 10 s
// (60 s with -long, with 1 KiB passwords), while /healthz is polled every
// 100 ms. No "database is locked", no 5xx but deliberate 503s, /healthz
// always answered, peak RSS under rssCeiling.
func TestLoadStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const logins, others = 200, 50
	storm := 10 * time.Second
	if *long {
		storm = 60 * time.Second
	}
	password := func(i int) string {
		if *long { // 1 KiB, the longest password accepted
			return fmt.Sprintf("%04d-", i) + strings.Repeat("lantern-harbour-", 64)[:1019]
		}
		return fmt.Sprintf("%04d-%s", i, strongPassword)
	}
	email := func(i int) string { return fmt.Sprintf("load%04d@example.com", i) }

	// GATEHOUSE_IP_RATE_LIMIT counts failed attempts only, and the storm
	// makes none; it is switched off anyway so a future change to what it
	// counts cannot turn this test into a rate-limit test.
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_IP_RATE_LIMIT": "off"}
	// Until the binary reads GATEHOUSE_IP_RATE_LIMIT, its per-IP throttle
	// (100 attempts in flight or failed per minute) answers some of the 200
	// concurrent logins from 127.0.0.1 with 429: those are counted apart
	// and reported, not failed.
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	ipKnob := bytes.Contains(src, []byte(`"GATEHOUSE_IP_RATE_LIMIT"`))
	var throttled atomic.Int64
	s := startServer(t, e)
	hc := loadClient(logins+others+8, 60*time.Second)
	ctx := context.Background()

	// The members: registered through the API, eight at a time (the
	// hashing pool is the bottleneck either way; this avoids 200 process
	// starts of "member create").
	start := time.Now()
	refresh := make([]string, logins)
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		setup sync.Map // index → error text
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < logins; i = int(next.Add(1) - 1) {
				for {
					r := send(ctx, hc, "POST", s.base+"/auth/register", registerBody(fmt.Sprintf("Load User %04d", i), email(i), password(i)))
					if r.status == http.StatusServiceUnavailable {
						time.Sleep(50 * time.Millisecond)
						continue
					}
					var reg registered
					if r.err != nil || r.status != http.StatusCreated || json.Unmarshal(r.body, &reg) != nil {
						setup.Store(i, fmt.Sprintf("%d %v %s", r.status, r.err, r.body))
					}
					refresh[i] = reg.Tokens.Refresh.Token
					break
				}
			}
		}()
	}
	wg.Wait()
	setup.Range(func(k, v any) bool {
		t.Errorf("registering member %d: %v", k, v)
		return true
	})
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("setup: %d members registered in %v", logins, time.Since(start).Round(time.Millisecond))

	// Page sessions for the page-view clients: one browser per "other"
	// worker, signed in through the form.
	browsers := make([]*http.Client, others)
	for j := range others {
		c := newClient(t)
		c.Transport = hc.Transport
		resp, body := login(t, c, s.base, email(j), password(j))
		wantRedirect(t, resp, body, "/account")
		browsers[j] = c
	}
	t.Logf("setup: %d page sessions after %v", others, time.Since(start).Round(time.Millisecond))

	var (
		loginStats, registerStats, refreshStats, pageStats, accountStats opStats
		health                                                           opStats
		healthMax                                                        time.Duration
	)
	stormCtx, cancel := context.WithTimeout(ctx, storm)
	defer cancel()
	stormStart := time.Now()
	// pause backs off after a deliberate 503, as a client honouring
	// Retry-After would, without sleeping through the end of the storm.
	pause := func(r reply) {
		if r.status == http.StatusServiceUnavailable {
			select {
			case <-stormCtx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	// done reports whether r failed only because the storm ended.
	done := func(r reply) bool { return r.err != nil && stormCtx.Err() != nil }

	for i := range logins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for stormCtx.Err() == nil {
				r := send(stormCtx, hc, "POST", s.base+"/v1/login", map[string]string{"username": email(i), "password": password(i)})
				if done(r) {
					return
				}
				if r.status == http.StatusTooManyRequests && !ipKnob {
					throttled.Add(1)
					r.status = http.StatusServiceUnavailable // back off as after a 503
				} else {
					loginStats.record(r, http.StatusOK)
				}
				pause(r)
			}
		}()
	}
	for j := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; stormCtx.Err() == nil; k++ {
				var r reply
				switch k % 4 {
				case 0:
					r = send(stormCtx, hc, "POST", s.base+"/auth/register",
						registerBody(fmt.Sprintf("Storm User %02d", j), fmt.Sprintf("storm-%02d-%06d@example.com", j, k), password(1000+j)))
					if !done(r) {
						registerStats.record(r, http.StatusCreated)
					}
				case 1:
					r = send(stormCtx, hc, "POST", s.base+"/auth/refresh-tokens", map[string]string{"refreshToken": refresh[j]})
					var tok registered
					if r.status == http.StatusOK && json.Unmarshal(r.body, &tok.Tokens) == nil {
						refresh[j] = tok.Tokens.Refresh.Token
					}
					if !done(r) {
						refreshStats.record(r, http.StatusOK)
					}
				case 2:
					r = send(stormCtx, hc, "GET", s.base+"/login", nil)
					if !done(r) {
						pageStats.record(r, http.StatusOK)
					}
				case 3:
					r = send(stormCtx, browsers[j], "GET", s.base+"/account", nil)
					if !done(r) {
						accountStats.record(r, http.StatusOK)
					}
				}
				if done(r) {
					return
				}
				pause(r)
			}
		}()
	}
	// The health poller: every 100 ms, on its own connection.
	pollerDone := make(chan struct{})
	go func() {
		defer close(pollerDone)
		pc := loadClient(2, 5*time.Second)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stormCtx.Done():
				return
			case <-tick.C:
			}
			r := send(context.Background(), pc, "GET", s.base+"/healthz", nil)
			health.record(r, http.StatusOK)
			health.mu.Lock()
			healthMax = max(healthMax, r.dur)
			health.mu.Unlock()
		}
	}()
	wg.Wait()
	elapsed := time.Since(stormStart) // the storm, plus the requests it cut short
	<-pollerDone

	// No member was locked out or otherwise hurt by the storm (a 503 is
	// not a failed attempt): a sample (all with -long) still signs in.
	sample := 20
	if *long {
		sample = logins
	}
	var after opStats
	next.Store(0)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)-1) * logins / sample; i < logins; i = int(next.Add(1)-1) * logins / sample {
				for {
					r := send(ctx, hc, "POST", s.base+"/v1/login", map[string]string{"username": email(i), "password": password(i)})
					if r.status != http.StatusServiceUnavailable {
						after.record(r, http.StatusOK)
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if after.ok != sample {
		t.Errorf("after the storm %d of %d sampled members sign in: %v", after.ok, sample, after.unexpected)
	}

	rss, rssErr := peakRSS(s.cmd.Process.Pid)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.waitExit(t, 30*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}

	t.Logf("storm of %v (%d login clients, %d others), passwords of %d bytes:", elapsed.Round(time.Millisecond), logins, others, len(password(0)))
	all := []struct {
		name string
		s    *opStats
	}{{"login", &loginStats}, {"register", &registerStats}, {"refresh", &refreshStats}, {"GET /login", &pageStats}, {"GET /account", &accountStats}, {"/healthz", &health}}
	busy := 0
	for _, x := range all {
		t.Log(x.s.summary(x.name, min(elapsed, storm)))
		busy += x.s.busy
		for what, n := range x.s.unexpected {
			t.Errorf("%s: %d× unexpected answer: %s", x.name, n, what)
		}
		if x.s.locked > 0 {
			t.Errorf("%s: %d answers mention a locked database", x.name, x.s.locked)
		}
	}
	t.Logf("deliberate 503s (with Retry-After): %d", busy)
	if !ipKnob {
		t.Logf("GATEHOUSE_IP_RATE_LIMIT is not a setting yet: %d logins answered 429 by the per-IP throttle, not counted", throttled.Load())
	}
	if health.ok == 0 {
		t.Errorf("/healthz never answered")
	}
	if health.busy > 0 {
		t.Errorf("/healthz answered 503 %d times", health.busy)
	}
	t.Logf("/healthz: %d polls, max latency %v", health.ok, healthMax.Round(time.Microsecond))
	// The 200 ms bound is asserted in the long form, which runs alone
	// (task test-long) and not under -race. The short form shares the two
	// cores with the rest of the suite, so it only asserts that /healthz
	// kept answering, within a generous 2 s.
	switch {
	case healthMax <= 200*time.Millisecond:
	case *long && !raceEnabled:
		t.Errorf("/healthz max latency %v, want within 200 ms throughout", healthMax)
	case healthMax > 2*time.Second:
		t.Errorf("/healthz max latency %v: it stalled during the storm", healthMax)
	default:
		t.Logf("/healthz max latency %v exceeds 200 ms (asserted only in the long form, not under -race)", healthMax)
	}
	for _, m := range lockedMarkers {
		if n := strings.Count(s.stderr.String(), m); n > 0 {
			t.Errorf("the server log mentions %q %d times", m, n)
		}
	}
	if rssErr != nil {
		t.Errorf("peak RSS: %v", rssErr)
	} else {
		t.Logf("server peak RSS (VmHWM): %.1f MiB (ceiling %d MiB)", float64(rss)/(1<<20), rssCeiling>>20)
		// The race detector multiplies a Go program's memory several times
		// over, so the ceiling is asserted for the plain binary only (CI
		// builds the binary with -race; task bench measures the real one).
		switch {
		case rss > rssCeiling && !raceEnabled:
			t.Errorf("server peak RSS %.1f MiB, above the ceiling of %d MiB", float64(rss)/(1<<20), rssCeiling>>20)
		case rss > rssCeiling:
			t.Logf("peak RSS above the ceiling under the race detector; not asserted")
		}
	}
}
