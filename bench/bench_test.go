package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(lat, tc.p); got != tc.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(empty) = %v, want 0", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile(one) = %v, want 7", got)
	}
}

func TestSummarize(t *testing.T) {
	lat := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	r := summarize("x", 2, lat, 1, 2*time.Second, 3<<20)
	if r.Requests != 4 || r.Errors != 1 || r.Throughput != 1.5 || r.P50ms != 2 || r.P99ms != 4 || r.PeakRSSMiB != 3 {
		t.Errorf("summarize = %+v", r)
	}
}

var sweep = []Result{
	{Scenario: "login", Concurrency: 1, P50ms: 10, P99ms: 12},
	{Scenario: "login", Concurrency: 2, P50ms: 11, P99ms: 15},
	{Scenario: "login", Concurrency: 4, P50ms: 21, P99ms: 30},
	{Scenario: "login", Concurrency: 8, P50ms: 42, P99ms: 61.5},
}

func TestSVGIsValidXMLWithThePoints(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSVG(&buf, "Login <latency> & concurrency", sweep); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&buf)
	circles := map[string]int{}
	var polylines int
	var texts []string
	var root string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, buf.String())
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Local
			}
			class := ""
			for _, a := range el.Attr {
				if a.Name.Local == "class" {
					class = a.Value
				}
			}
			switch el.Name.Local {
			case "circle":
				circles[class]++
			case "polyline":
				polylines++
			}
		case xml.CharData:
			texts = append(texts, string(el))
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	if circles["p50"] != len(sweep) || circles["p99"] != len(sweep) || polylines != 2 {
		t.Errorf("circles %v, polylines %d; want %d per series and 2 lines", circles, polylines, len(sweep))
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"Login <latency> & concurrency", "concurrent clients", "latency (ms)", "p99 at 8 clients: 61.50 ms", "|8|"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
}

func TestSVGEmptySweep(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSVG(&buf, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil {
		t.Fatalf("invalid XML for an empty sweep: %v", err)
	}
}

func TestMarkdown(t *testing.T) {
	rep := Report{Started: time.Unix(0, 0), Cores: 2, Duration: "5s", SingleLoginMs: 50, LoginLimitRPS: 40, LoginRatio: 0.95,
		AuthOverBareRatio: 0.4, Sweep: sweep,
		Results: []Result{{Scenario: "a|b", Concurrency: 2, Requests: 190, Throughput: 38, P50ms: 51.234, P99ms: 80, Errors: 0, PeakRSSMiB: 42.5, ServerCores: 1.75},
			{Scenario: "bare", Concurrency: 32, Requests: 10, Throughput: 5, PeakRSSMiB: 12, ServerCores: 0.5}},
		Storms:  []StormResult{{Scenario: "login storm", Clients: 200, Requests: 100, Attempts: 103, OK: 97, OKInBound: 96, Refused503: 3, Throughput: 48.5, OKP50ms: 2000, OKP99ms: 2900, AnsweredP99: 4100, PeakRSSMiB: 90}},
		Targets: []Target{NewTarget("login ratio", 0.95, 0.9, "", true), NewTarget("auth ratio", 0.4, 0.5, "", true), NewTarget("rss", 300, 256, "MiB", false)},
	}
	var buf bytes.Buffer
	writeMarkdown(&buf, rep)
	md := buf.String()
	for _, want := range []string{
		"| Scenario | Concurrency | Requests | Throughput (req/s) | p50 (ms) | p99 (ms) | Errors | Peak RSS (MiB) | Server CPU (cores) |",
		`| a\|b | 2 | 190 | 38.0 | 51.23 | 80.00 | 0 | 42.5 | 1.75 |`,
		"| login ratio | 0.95 | ≥ 0.9 | pass |",
		"| auth ratio | 0.4 | ≥ 0.5 | FAIL |",
		"| rss | 300 MiB | < 256 MiB | FAIL |",
		"| bare | 32 | 10 | 5.0 | 0.00 | 0.00 | 0 | 12.0 | 0.50 |",
		"| login storm | 100 | 103 | 96.0 % | 3 | 0 | 0 | 48.5 | 2000 | 2900 | 4100 | 90.0 |",
		"physical limit = 2 cores ÷ 50.00 ms = 40.0 logins/s",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Every table row has the header's column count.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, "Concurrency") {
			continue
		}
		if strings.HasPrefix(line, `| a\|b`) && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 10 {
			t.Errorf("row %q has the wrong column count", line)
		}
	}
	var js bytes.Buffer
	if err := writeJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Results[0].P50ms != 51.234 || len(back.Targets) != 3 || back.Targets[1].Pass {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

// TestStormTargets: the storm passes only with ≥ 95 % answered 2xx within
// 5 s, accepted p99 under 3 s and no 5xx but 503.
func TestStormTargets(t *testing.T) {
	good := StormResult{Scenario: "s", Requests: 100, OK: 97, OKInBound: 96, Refused503: 3, OKP99ms: 2900}
	for _, tg := range stormTargets(good) {
		if !tg.Pass {
			t.Errorf("good storm fails %q (%v)", tg.Name, tg.Measured)
		}
	}
	for name, bad := range map[string]StormResult{
		"share":    {Requests: 100, OK: 94, OKInBound: 94, OKP99ms: 100},
		"p99":      {Requests: 100, OK: 100, OKInBound: 100, OKP99ms: 3000},
		"other5xx": {Requests: 100, OK: 99, OKInBound: 99, Other5xx: 1, OKP99ms: 100},
	} {
		failed := 0
		for _, tg := range stormTargets(bad) {
			if !tg.Pass {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("%s: %d targets failed, want exactly 1", name, failed)
		}
	}
}
