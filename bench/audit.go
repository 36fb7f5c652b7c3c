package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/sqlite"
)

// The audit scenario (go run ./bench -only audit): a fresh database made by
// the real migrations gets auditRows entries straight into audit_log
// (sqlite.SeedAudit), the real binary serves it, and the owner's browser
// session GETs the admin audit page: its first page, a page filtered by
// member and one filtered by event, auditRequests times each, one at a
// time. The report gives p50 and p99; the target is p99 under auditTarget.
const (
	auditRows     = 1_000_000
	auditMembers  = 10_000
	auditRequests = 200
	auditWarmup   = 10
	auditTarget   = 50 * time.Millisecond
)

// auditResult is one page's measurement.
type auditResult struct {
	Name, Path string
	Rows       int // audit rows on the page
	P50, P99   time.Duration
}

func runAudit(ctx context.Context) int {
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
		"GATEHOUSE_DB":            filepath.Join(tmp, "gatehouse.db"),
		"GATEHOUSE_ADDR":          addr,
		"GATEHOUSE_ENV":           "dev",
		"GATEHOUSE_IP_RATE_LIMIT": "off",
	}
	if err := runBin(ctx, bin, env, "migrate"); err != nil {
		logf("migrate: %v", err)
		return 1
	}
	logf("seeding %d members and %d audit entries", auditMembers, auditRows)
	if err := sqlite.SeedMembers(env["GATEHOUSE_DB"], auditMembers); err != nil {
		logf("seed members: %v", err)
		return 1
	}
	if err := sqlite.SeedAudit(env["GATEHOUSE_DB"], auditRows, auditMembers); err != nil {
		logf("seed audit: %v", err)
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
	b := &bencher{ctx: ctx, base: "http://" + addr, pid: srv.cmd.Process.Pid, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}}}
	defer b.client.CloseIdleConnections()
	owner, err := b.ownerClient()
	if err != nil {
		logf("%v", err)
		return 1
	}
	pages := []struct{ name, path string }{
		{"first page", "/admin/audit"},
		{"by member", "/admin/audit?member=" + strconv.Itoa(auditMembers/2)},
		{"by event", "/admin/audit?action=auth.signin_failed"},
		{"by event prefix", "/admin/audit?action=auth."},
		{"by member and event", "/admin/audit?member=" + strconv.Itoa(auditMembers/2) + "&action=auth.signin"},
	}
	var results []auditResult
	failed := false
	for _, p := range pages {
		r, err := measureAuditPage(ctx, b, owner, p.name, p.path)
		if err != nil {
			logf("%s: %v", p.name, err)
			return 1
		}
		if r.P99 >= auditTarget {
			failed = true
			logf("target missed: %s p99 %v ≥ %v", p.name, r.P99, auditTarget)
		}
		results = append(results, r)
	}
	if err := os.MkdirAll(*flagOut, 0o755); err != nil {
		logf("%v", err)
		return 1
	}
	out := filepath.Join(*flagOut, "audit.md")
	if err := os.WriteFile(out, []byte(auditMarkdown(results, started, loadStart)), 0o644); err != nil {
		logf("%v", err)
		return 1
	}
	fmt.Print(auditMarkdown(results, started, loadStart))
	logf("wrote %s", out)
	if failed {
		return 1
	}
	return 0
}

// measureAuditPage GETs path auditRequests times (after a warm-up) with the
// owner's session and returns the latency percentiles.
func measureAuditPage(ctx context.Context, b *bencher, owner *http.Client, name, path string) (auditResult, error) {
	var samples []time.Duration
	rows := 0
	for i := range auditWarmup + auditRequests {
		if ctx.Err() != nil {
			return auditResult{}, ctx.Err()
		}
		start := time.Now()
		resp, err := owner.Get(b.base + path)
		if err != nil {
			return auditResult{}, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			return auditResult{}, err
		}
		if resp.StatusCode != http.StatusOK {
			return auditResult{}, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		rows = strings.Count(string(body), `data-testid="audit-row"`)
		if rows == 0 {
			return auditResult{}, fmt.Errorf("GET %s: no audit rows", path)
		}
		if i >= auditWarmup {
			samples = append(samples, d)
		}
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	pct := func(p float64) time.Duration { return samples[min(len(samples)-1, int(p*float64(len(samples))))] }
	return auditResult{Name: name, Path: path, Rows: rows, P50: pct(0.50), P99: pct(0.99)}, nil
}

func auditMarkdown(rs []auditResult, started time.Time, loadStart string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "# Admin audit page at %d entries\n\n", auditRows)
	fmt.Fprintf(&s, "Run %s, %s on %d CPUs; load average at start %s, at end %s.\n",
		started.UTC().Format(time.RFC3339), runtime.Version(), runtime.NumCPU(), loadStart, loadAvg())
	fmt.Fprintf(&s, "SQLite database from the real migrations, %d members, %d audit entries seeded straight into audit_log;\n", auditMembers, auditRows)
	fmt.Fprintf(&s, "the real binary; the owner's browser session; %d sequential GETs per page after %d warm-up. Target: p99 < %v.\n\n", auditRequests, auditWarmup, auditTarget)
	s.WriteString("| page | path | rows | p50 | p99 | target |\n|---|---|---:|---:|---:|---|\n")
	for _, r := range rs {
		ok := "met"
		if r.P99 >= auditTarget {
			ok = "MISSED"
		}
		fmt.Fprintf(&s, "| %s | `%s` | %d | %.2f ms | %.2f ms | %s |\n", r.Name, r.Path, r.Rows,
			float64(r.P50.Microseconds())/1000, float64(r.P99.Microseconds())/1000, ok)
	}
	return s.String()
}
