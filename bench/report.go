package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Result is one scenario's measurements.
type Result struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	Throughput  float64 `json:"throughput_rps"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	Errors      int     `json:"errors"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	// ServerCores is the server's CPU time during the scenario divided by
	// its wall time (how many cores it kept busy).
	ServerCores float64 `json:"server_cpu_cores"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
}

// Target is one of the targets with its measured value.
type Target struct {
	Name     string  `json:"name"`
	Measured float64 `json:"measured"`
	Limit    float64 `json:"limit"`
	Unit     string  `json:"unit,omitempty"`
	AtLeast  bool    `json:"at_least"` // true: measured ≥ limit passes; false: measured < limit passes
	Pass     bool    `json:"pass"`
}

// NewTarget builds a Target and decides whether it passes.
func NewTarget(name string, measured, limit float64, unit string, atLeast bool) Target {
	pass := measured < limit
	if atLeast {
		pass = measured >= limit
	}
	return Target{Name: name, Measured: measured, Limit: limit, Unit: unit, AtLeast: atLeast, Pass: pass}
}

// Report is everything one run produced (results.json).
type Report struct {
	Started           time.Time     `json:"started"`
	Cores             int           `json:"cores"`
	Duration          string        `json:"duration_per_scenario"`
	LoadAvgStart      string        `json:"loadavg_start"`
	LoadAvgEnd        string        `json:"loadavg_end"`
	SingleLoginMs     float64       `json:"single_login_median_ms"`
	LoginLimitRPS     float64       `json:"login_physical_limit_rps"`
	LoginRatio        float64       `json:"login_throughput_over_limit"`
	AuthOverBareRatio float64       `json:"auth_over_bare_fiber"`
	ServerVmHWMMiB    float64       `json:"server_vmhwm_mib"`
	Results           []Result      `json:"results"`
	Sweep             []Result      `json:"login_sweep"`
	Storms            []StormResult `json:"storms"`
	Targets           []Target      `json:"targets"`
}

// percentile returns the p-th percentile (0 < p ≤ 100, nearest rank) of
// sorted, or 0 when it is empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// summarize turns raw latencies into a Result (lat is sorted in place).
func summarize(name string, conc int, lat []time.Duration, errs int, elapsed time.Duration, peakRSS uint64) Result {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := Result{Scenario: name, Concurrency: conc, Requests: len(lat), Errors: errs,
		Seconds: elapsed.Seconds(), PeakRSSMiB: float64(peakRSS) / (1 << 20)}
	if elapsed > 0 {
		r.Throughput = float64(len(lat)-errs) / elapsed.Seconds()
	}
	r.P50ms = ms(percentile(lat, 50))
	r.P99ms = ms(percentile(lat, 99))
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeTable writes the results as a Markdown table.
func writeTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| Scenario | Concurrency | Requests | Throughput (req/s) | p50 (ms) | p99 (ms) | Errors | Peak RSS (MiB) | Server CPU (cores) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		rss, cpu := fmt.Sprintf("%.1f", r.PeakRSSMiB), fmt.Sprintf("%.2f", r.ServerCores)
		fmt.Fprintf(w, "| %s | %d | %d | %.1f | %.2f | %.2f | %d | %s | %s |\n",
			strings.ReplaceAll(r.Scenario, "|", `\|`), r.Concurrency, r.Requests, r.Throughput, r.P50ms, r.P99ms, r.Errors, rss, cpu)
	}
}

// writeMarkdown writes results.md: the table, the sweep, the ratios and the
// targets.
func writeMarkdown(w io.Writer, rep Report) {
	fmt.Fprintf(w, "# Gatehouse benchmark\n\n%s, %d cores, %s per scenario, load average %s at the start and %s at the end\n(the load generator and anything else running share the cores with the server).\n\n",
		rep.Started.UTC().Format(time.RFC3339), rep.Cores, rep.Duration, rep.LoadAvgStart, rep.LoadAvgEnd)
	writeTable(w, rep.Results)
	if len(rep.Sweep) > 0 {
		fmt.Fprintln(w, "\n## Login latency against concurrency (latency.svg)")
		fmt.Fprintln(w)
		writeTable(w, rep.Sweep)
	}
	writeStorms(w, rep.Storms)
	fmt.Fprintln(w, "\n## Ratios")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- One login alone (median of sequential logins): %.2f ms; physical limit = %d cores ÷ %.2f ms = %.1f logins/s\n",
		rep.SingleLoginMs, rep.Cores, rep.SingleLoginMs, rep.LoginLimitRPS)
	fmt.Fprintf(w, "- Login throughput at 1× cores ÷ physical limit: %.3f\n", rep.LoginRatio)
	fmt.Fprintf(w, "- Authenticated request (POST /auth) ÷ bare Fiber handler: %.3f\n", rep.AuthOverBareRatio)
	fmt.Fprintf(w, "- Server peak RSS over the whole run (VmHWM): %.1f MiB\n", rep.ServerVmHWMMiB)
	fmt.Fprintln(w, "\n## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Target | Measured | Required | Result |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	for _, t := range rep.Targets {
		op := "<"
		if t.AtLeast {
			op = "≥"
		}
		verdict := "FAIL"
		if t.Pass {
			verdict = "pass"
		}
		fmt.Fprintf(w, "| %s | %s | %s %s | %s |\n", t.Name, num(t.Measured, t.Unit), op, num(t.Limit, t.Unit), verdict)
	}
}

func num(v float64, unit string) string {
	s := fmt.Sprintf("%.3g", v)
	if v == math.Trunc(v) && math.Abs(v) < 1e6 {
		s = fmt.Sprintf("%.0f", v)
	} else if math.Abs(v) >= 10 {
		s = fmt.Sprintf("%.1f", v)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

// writeJSON writes results.json.
func writeJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeSVG draws p50 and p99 latency against concurrency as a line chart.
// The x axis is log2 (concurrency doubles from point to point).
func writeSVG(w io.Writer, title string, sweep []Result) error {
	const (
		width, height          = 640, 400
		left, right, top, bott = 70, 130, 40, 60
		plotW, plotH           = width - left - right, height - top - bott
	)
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" text-anchor="middle">%s</text>`+"\n", left+plotW/2, html.EscapeString(title))

	maxY := 0.0
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, r := range sweep {
		maxY = math.Max(maxY, math.Max(r.P50ms, r.P99ms))
		x := math.Log2(float64(max(r.Concurrency, 1)))
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
	}
	if maxY <= 0 {
		maxY = 1
	}
	maxY = niceCeil(maxY * 1.05)
	if len(sweep) == 0 {
		minX, maxX = 0, 1
	}
	if maxX == minX {
		maxX = minX + 1
	}
	px := func(conc int) float64 {
		return float64(left) + (math.Log2(float64(max(conc, 1)))-minX)/(maxX-minX)*float64(plotW)
	}
	py := func(v float64) float64 { return float64(top) + float64(plotH)*(1-v/maxY) }

	// Axes.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, top, left, top+plotH)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, top+plotH, left+plotW, top+plotH)
	for i := 0; i <= 5; i++ {
		v := maxY * float64(i) / 5
		y := py(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+plotW, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+4, trimFloat(v))
	}
	for _, r := range sweep {
		x := px(r.Concurrency)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>`+"\n", x, top+plotH, x, top+plotH+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x, top+plotH+18, r.Concurrency)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">concurrent clients</text>`+"\n", left+plotW/2, height-15)
	fmt.Fprintf(&b, `<text x="18" y="%d" text-anchor="middle" transform="rotate(-90 18 %d)">latency (ms)</text>`+"\n", top+plotH/2, top+plotH/2)

	series := []struct {
		name, color string
		val         func(Result) float64
	}{
		{"p50", "#1f77b4", func(r Result) float64 { return r.P50ms }},
		{"p99", "#d62728", func(r Result) float64 { return r.P99ms }},
	}
	for i, s := range series {
		var pts []string
		for _, r := range sweep {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(r.Concurrency), py(s.val(r))))
		}
		fmt.Fprintf(&b, `<polyline class="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", s.name, s.color, strings.Join(pts, " "))
		for _, r := range sweep {
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s at %d clients: %.2f ms</title></circle>`+"\n",
				s.name, px(r.Concurrency), py(s.val(r)), s.color, s.name, r.Concurrency, s.val(r))
		}
		ly := top + 10 + i*20
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", left+plotW+15, ly, left+plotW+40, ly, s.color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s latency</text>`+"\n", left+plotW+45, ly+4, s.name)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}
