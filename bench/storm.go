package main

import (
	"bytes"
	"encoding/json"
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
	"time"
)

// A storm is many clients arriving at once, as after an outage or at the
// start of a shift: each of stormClients clients sends one request at the
// same moment and, on a 503, honours Retry-After as a well-behaved client
// does and sends it again, until it has an answer. stormWaves such waves
// run back to back. What counts is what the people behind the clients see:
// how many of their requests were answered 2xx within stormAnswerBound of
// their arrival (through any retries), how long the accepted attempts took
// (the server admits a request only when its turn is likely soon; see
// internal/auth/pool.go), and that nothing but 503 ever came back as a 5xx.
//
// A closed loop of 200 clients that each send again the moment they are
// answered is not a storm but endless overload, where Little's law fixes
// the mean wait at clients ÷ throughput whatever the server does
// (docs/decisions.md "Storms are waves").
const (
	stormClients     = 200
	stormWaves       = 4
	stormAnswerBound = 5 * time.Second
	stormGiveUp      = 30 * time.Second // a client stops retrying after this
)

// StormResult summarizes one storm. Requests are the clients' requests
// (one per client per wave); Attempts the HTTP requests that carried them.
type StormResult struct {
	Scenario    string  `json:"scenario"`
	Clients     int     `json:"clients"`
	Waves       int     `json:"waves"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Attempts    int     `json:"attempts"`
	OK          int     `json:"ok_2xx"`
	OKInBound   int     `json:"ok_2xx_within_5s"`
	Refused503  int     `json:"refused_503"`
	Other5xx    int     `json:"other_5xx"`
	OtherFailed int     `json:"other_failures"` // transport errors and 4xx
	Throughput  float64 `json:"accepted_per_second"`
	OKP50ms     float64 `json:"accepted_p50_ms"`
	OKP99ms     float64 `json:"accepted_p99_ms"`
	AnsweredP99 float64 `json:"answered_p99_ms"` // arrival to 2xx, through retries
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	FirstError  string  `json:"first_error,omitempty"`
}

// OKShare is the share of requests answered 2xx within the bound.
func (s StormResult) OKShare() float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.OKInBound) / float64(s.Requests)
}

// stormBody makes client w's next request body.
type stormBody func(w int) any

// storm runs stormWaves waves of clients posting JSON to path; ok (when
// set) hears of each 2xx answer to client w's latest body.
func (b *bencher) storm(name, path string, clients int, body stormBody, ok func(w int)) StormResult {
	res := StormResult{Scenario: name, Clients: clients, Waves: stormWaves}
	if b.ctx.Err() != nil {
		return res
	}
	var (
		mu        sync.Mutex
		okLat     []time.Duration // accepted attempts
		answerLat []time.Duration // arrival to 2xx
		peakRSS   uint64
	)
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss := procStatus(b.pid, "VmRSS"); rss > peakRSS {
				mu.Lock()
				peakRSS = rss
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	if b.metrics != "" {
		go b.saveProfile(name, time.Duration(stormWaves)*4*time.Second)
	}
	// attempt sends one HTTP request: its status (0 on a transport error),
	// its Retry-After and a snippet of the body for the report.
	attempt := func(w int) (int, time.Duration, []byte, error) {
		js, _ := json.Marshal(body(w))
		req, _ := http.NewRequestWithContext(b.ctx, http.MethodPost, b.base+path, bytes.NewReader(js))
		req.Header.Set("Content-Type", "application/json")
		resp, err := b.client.Do(req)
		if err != nil {
			return 0, 0, nil, err
		}
		defer resp.Body.Close()
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		_, _ = io.Copy(io.Discard, resp.Body)
		retry := time.Second // a 503 without Retry-After: wait a second
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			retry = time.Duration(s) * time.Second
		}
		return resp.StatusCode, retry, snippet, nil
	}
	// client carries client w's request of one wave through its retries.
	client := func(w int) {
		arrived := time.Now()
		for time.Since(arrived) < stormGiveUp && b.ctx.Err() == nil {
			t0 := time.Now()
			status, retry, snippet, err := attempt(w)
			took := time.Since(t0)
			if b.ctx.Err() != nil {
				return
			}
			mu.Lock()
			res.Attempts++
			switch {
			case err == nil && status >= 200 && status < 300:
				res.OK++
				okLat = append(okLat, took)
				answered := time.Since(arrived)
				answerLat = append(answerLat, answered)
				if answered <= stormAnswerBound {
					res.OKInBound++
				}
			case status == http.StatusServiceUnavailable:
				res.Refused503++
			case status >= 500:
				res.Other5xx++
			default:
				res.OtherFailed++
			}
			if (err != nil || status >= 300) && status != http.StatusServiceUnavailable && res.FirstError == "" {
				res.FirstError = fmt.Sprintf("%d %v %.200s", status, err, snippet)
			}
			mu.Unlock()
			if status >= 200 && status < 300 && ok != nil {
				ok(w)
			}
			if status != http.StatusServiceUnavailable {
				return // answered, or failed for good
			}
			select {
			case <-time.After(retry):
			case <-b.ctx.Done():
			}
		}
	}
	start := time.Now()
	for range stormWaves {
		var wg sync.WaitGroup
		release := make(chan struct{}) // every client arrives at the same moment
		for w := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				client(w)
			}()
		}
		close(release)
		wg.Wait()
		res.Requests += clients
	}
	elapsed := time.Since(start)
	close(stop)
	sortDurations(okLat)
	sortDurations(answerLat)
	res.Seconds = elapsed.Seconds()
	res.Throughput = float64(res.OK) / elapsed.Seconds()
	res.OKP50ms, res.OKP99ms = ms(percentile(okLat, 50)), ms(percentile(okLat, 99))
	res.AnsweredP99 = ms(percentile(answerLat, 99))
	mu.Lock()
	res.PeakRSSMiB = float64(peakRSS) / (1 << 20)
	mu.Unlock()
	logf("%-40s c=%-3d ×%d waves: %d requests in %d attempts, %.1f%% 2xx within %v, %d × 503, %d other 5xx, %d other failures, accepted p50 %.0f ms p99 %.0f ms, answered p99 %.0f ms",
		name, clients, stormWaves, res.Requests, res.Attempts, 100*res.OKShare(), stormAnswerBound, res.Refused503, res.Other5xx, res.OtherFailed, res.OKP50ms, res.OKP99ms, res.AnsweredP99)
	return res
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// stormTargets are the targets of one storm.
func stormTargets(s StormResult) []Target {
	return []Target{
		NewTarget(s.Scenario+": share answered 2xx within 5 s", s.OKShare(), 0.95, "", true),
		NewTarget(s.Scenario+": p99 of accepted", s.OKP99ms, 3000, "ms", false),
		NewTarget(s.Scenario+": 5xx other than 503", float64(s.Other5xx), 1, "", false),
	}
}

// writeStorms writes the storms as a Markdown table.
func writeStorms(w io.Writer, storms []StormResult) {
	if len(storms) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Storms (%d waves of %d clients arriving at once, Retry-After honoured)\n\n", stormWaves, stormClients)
	fmt.Fprintln(w, "| Storm | Requests | Attempts | 2xx within 5 s | 503 | other 5xx | other failures | accepted/s | accepted p50 (ms) | accepted p99 (ms) | answered p99 (ms) | peak RSS (MiB) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range storms {
		fmt.Fprintf(w, "| %s | %d | %d | %.1f %% | %d | %d | %d | %.1f | %.0f | %.0f | %.0f | %.1f |\n",
			s.Scenario, s.Requests, s.Attempts, 100*s.OKShare(), s.Refused503, s.Other5xx, s.OtherFailed, s.Throughput, s.OKP50ms, s.OKP99ms, s.AnsweredP99, s.PeakRSSMiB)
	}
}

// storms runs the registration storm and then the login storm. Each
// registering client keeps the last address it registered, and then signs
// in as its own member, as a crowd of distinct people would (emails are
// the fallback for a client that registered none).
func (b *bencher) storms(rep *Report, emails []string, run string) {
	var seq atomic.Uint64
	next, mine := make([]string, stormClients), make([]string, stormClients)
	reg := b.storm("registration storm (POST /auth/register)", "/auth/register", stormClients, func(w int) any {
		next[w] = fmt.Sprintf("storm%d-%s@example.com", seq.Add(1), run)
		return map[string]string{"name": "Storm Member", "email": next[w], "password": password, "confirm": password}
	}, func(w int) { mine[w] = next[w] })
	logins := b.storm("login storm (POST /v1/login)", "/v1/login", stormClients, func(w int) any {
		email := mine[w]
		if email == "" {
			email = emails[w%len(emails)]
		}
		return map[string]string{"username": email, "password": password}
	}, nil)
	rep.Storms = append(rep.Storms, logins, reg)
}

// saveProfile saves a CPU profile of the server over most of a storm as
// <out>/<first word of name>-storm.pprof (read it with go tool pprof).
func (b *bencher) saveProfile(name string, dur time.Duration) {
	secs := max(int((dur - time.Second).Seconds()), 1)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.metrics, secs))
	if err != nil {
		logf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	path := filepath.Join(*flagOut, strings.Fields(name)[0]+"-storm.pprof")
	if err := os.MkdirAll(*flagOut, 0o755); err != nil {
		logf("profile: %v", err)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		logf("profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		logf("profile: %v", err)
	}
}
