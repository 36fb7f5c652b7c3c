package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type bencher struct {
	bare    int    // pid of the bare Fiber baseline
	metrics string // the server's private listener, when profiling
	ctx     context.Context
	base    string
	pid     int
	dur     time.Duration
	client  *http.Client
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
