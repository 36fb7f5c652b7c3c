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

// A storm is many clients arriving at once, each sending its next request
// as soon as it has an answer, and honouring Retry-After on a 503 as a
// well-behaved client does (it sleeps that long, within the storm). What
// counts is what its users see: how many requests were answered 2xx within
// stormAnswerBound, how long the accepted ones took, and that nothing but
// 503 ever came back as a 5xx.
const (
	stormClients     = 200
	stormAnswerBound = 5 * time.Second
)

// StormResult summarizes one storm.
type StormResult struct {
	Scenario    string  `json:"scenario"`
	Clients     int     `json:"clients"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	OK          int     `json:"ok_2xx"`
	OKInBound   int     `json:"ok_2xx_within_5s"`
	Refused503  int     `json:"refused_503"`
	Other5xx    int     `json:"other_5xx"`
	OtherFailed int     `json:"other_failures"` // transport errors and 4xx
	Throughput  float64 `json:"accepted_per_second"`
	OKP50ms     float64 `json:"accepted_p50_ms"`
	OKP99ms     float64 `json:"accepted_p99_ms"`
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

// storm runs clients posting JSON to path for dur; ok (when set) hears of
// each 2xx answer to client w's latest body.
func (b *bencher) storm(name, path string, clients int, dur time.Duration, body stormBody, ok func(w int)) StormResult {
	res := StormResult{Scenario: name, Clients: clients}
	if b.ctx.Err() != nil {
		return res
	}
	var (
		mu      sync.Mutex
		okLat   []time.Duration
		peakRSS uint64
		wg      sync.WaitGroup
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
		go b.saveProfile(name, dur)
	}
	start := time.Now()
	deadline := start.Add(dur)
	release := make(chan struct{}) // every client starts at the same moment
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
			for time.Now().Before(deadline) && b.ctx.Err() == nil {
				js, _ := json.Marshal(body(w))
				req, _ := http.NewRequestWithContext(b.ctx, http.MethodPost, b.base+path, bytes.NewReader(js))
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := b.client.Do(req)
				var status int
				var retry time.Duration
				var snippet []byte
				if err == nil {
					status = resp.StatusCode
					snippet, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
						retry = time.Duration(s) * time.Second
					}
				}
				took := time.Since(t0)
				if b.ctx.Err() != nil {
					return
				}
				mu.Lock()
				res.Requests++
				switch {
				case err == nil && status >= 200 && status < 300:
					res.OK++
					okLat = append(okLat, took)
					if took <= stormAnswerBound {
						res.OKInBound++
					}
					if ok != nil {
						ok(w)
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
				if retry > 0 {
					select {
					case <-time.After(min(retry, time.Until(deadline))):
					case <-b.ctx.Done():
					}
				}
			}
		}()
	}
	close(release)
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	sort.Slice(okLat, func(i, j int) bool { return okLat[i] < okLat[j] })
	res.Seconds = elapsed.Seconds()
	res.Throughput = float64(res.OK) / elapsed.Seconds()
	res.OKP50ms, res.OKP99ms = ms(percentile(okLat, 50)), ms(percentile(okLat, 99))
	mu.Lock()
	res.PeakRSSMiB = float64(peakRSS) / (1 << 20)
	mu.Unlock()
	logf("%-40s c=%-3d %7d req %6.1f%% 2xx within %v, %d × 503, %d other 5xx, %d other failures, accepted p50 %.0f ms p99 %.0f ms",
		name, clients, res.Requests, 100*res.OKShare(), stormAnswerBound, res.Refused503, res.Other5xx, res.OtherFailed, res.OKP50ms, res.OKP99ms)
	return res
}

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
	fmt.Fprintf(w, "\n## Storms (%d clients arriving at once, Retry-After honoured)\n\n", stormClients)
	fmt.Fprintln(w, "| Storm | Requests | 2xx within 5 s | 503 | other 5xx | other failures | accepted/s | accepted p50 (ms) | accepted p99 (ms) | peak RSS (MiB) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range storms {
		fmt.Fprintf(w, "| %s | %d | %.1f %% | %d | %d | %d | %.1f | %.0f | %.0f | %.1f |\n",
			s.Scenario, s.Requests, 100*s.OKShare(), s.Refused503, s.Other5xx, s.OtherFailed, s.Throughput, s.OKP50ms, s.OKP99ms, s.PeakRSSMiB)
	}
}

// storms runs the registration storm and then the login storm. Each
// registering client keeps the last address it registered, and then signs
// in as its own member, as a crowd of distinct people would (emails are
// the fallback for a client that registered none).
func (b *bencher) storms(rep *Report, emails []string, run string) {
	var seq atomic.Uint64
	dur := max(2*b.dur, 10*time.Second)
	next, mine := make([]string, stormClients), make([]string, stormClients)
	reg := b.storm("registration storm (POST /auth/register)", "/auth/register", stormClients, dur, func(w int) any {
		next[w] = fmt.Sprintf("storm%d-%s@example.com", seq.Add(1), run)
		return map[string]string{"name": "Storm Member", "email": next[w], "password": password, "confirm": password}
	}, func(w int) { mine[w] = next[w] })
	logins := b.storm("login storm (POST /v1/login)", "/v1/login", stormClients, dur, func(w int) any {
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
