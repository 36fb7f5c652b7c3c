package web_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/metrics"
	"gatehouse/internal/testenv"
	"gatehouse/web"
)

const (
	metricsToken    = "metrics-token-0123456789abcdef"
	metricsPassword = "violet-harbour-lantern-42"
)

// scrape fetches /metrics with the token and parses it with Prometheus's
// own text parser.
func scrape(t *testing.T, e *testenv.Env) testenv.Scrape {
	t.Helper()
	r := e.Do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken)
	if r.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %s", r.StatusCode, r.Body)
	}
	s, err := testenv.ParseScrape(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, r.Body)
	}
	return s
}

func value(s testenv.Scrape, name string, labels ...string) float64 {
	v, _ := s.Value(name, labels...)
	return v
}

// TestMetricsSeriesMove: requests count by route pattern (never the raw
// path) and status with a latency histogram; sign-ins count by door and
// result; a throttled sign-in counts as a lockout.
func TestMetricsSeriesMove(t *testing.T) {
	m := metrics.New()
	e := testenv.New(t, testenv.Options{NoSMTP: true, Metrics: m, MetricsToken: metricsToken,
		Auth: auth.Config{IPFailureLimit: 2}})
	e.CreateMember("ann@example.com", metricsPassword)
	before := scrape(t, e)

	login := func(pw string) int {
		return e.Do("POST", "/v1/login", map[string]string{"username": "ann@example.com", "password": pw}).StatusCode
	}
	if st := login(metricsPassword); st != 200 {
		t.Fatalf("good login: %d", st)
	}
	var statuses []int
	for range 3 {
		statuses = append(statuses, login("wrong-password-123"))
	}
	if statuses[0] != 401 || statuses[2] != 429 {
		t.Fatalf("failed logins answered %v, want 401 … 429", statuses)
	}
	e.Do("GET", "/rcms-api/4242/profile", nil)
	e.Do("GET", "/no/such/page-4242", nil)

	after := scrape(t, e)
	moved := func(name string, want float64, labels ...string) {
		t.Helper()
		if d := value(after, name, labels...) - value(before, name, labels...); d != want {
			t.Errorf("%s%v moved by %v, want %v", name, labels, d, want)
		}
	}
	moved("gatehouse_signins_total", 1, "door", "wme", "result", "success")
	moved("gatehouse_signins_total", 2, "door", "wme", "result", "failure")
	moved("gatehouse_signins_total", 1, "door", "wme", "result", "locked")
	moved("gatehouse_lockouts_total", 1, "door", "wme")
	moved("gatehouse_http_requests_total", 1, "method", "POST", "route", "/v1/login", "status", "200")
	moved("gatehouse_http_requests_total", 2, "method", "POST", "route", "/v1/login", "status", "401")
	moved("gatehouse_http_request_duration_seconds", 4, "method", "POST", "route", "/v1/login")
	moved("gatehouse_http_requests_total", 1, "route", "/rcms-api/:api_id/profile")
	moved("gatehouse_http_requests_total", 1, "route", "unmatched", "status", "404")
	for _, f := range after {
		for _, s := range f.GetMetric() {
			for _, lp := range s.GetLabel() {
				if strings.Contains(lp.GetValue(), "4242") {
					t.Errorf("%s carries a raw path in %s=%q", f.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

// TestMetricsEndpointGuarded: /metrics on the public listener needs the
// bearer token, and is not routed at all without one configured.
func TestMetricsEndpointGuarded(t *testing.T) {
	e := testenv.New(t, testenv.Options{NoSMTP: true, Metrics: metrics.New(), MetricsToken: metricsToken})
	for _, h := range []string{"", "Bearer wrong", "Bearer " + metricsToken + "x", metricsToken} {
		if r := e.Do("GET", "/metrics", nil, "Authorization", h); r.StatusCode != 401 || strings.Contains(string(r.Body), "gatehouse_") {
			t.Errorf("Authorization %q: %d %s", h, r.StatusCode, r.Body)
		}
	}
	plain := testenv.New(t, testenv.Options{NoSMTP: true, Metrics: metrics.New()})
	if r := plain.Do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken); r.StatusCode != 404 {
		t.Errorf("without GATEHOUSE_METRICS_TOKEN /metrics answered %d, want 404", r.StatusCode)
	}
}

// TestReadyz: 200 with every check named when all hold; 503 naming the
// failing check (never its error text) when one fails.
func TestReadyz(t *testing.T) {
	fail := false
	e := testenv.New(t, testenv.Options{NoSMTP: true, ReadyChecks: []web.Check{
		{Name: "migrations", Run: func(ctx context.Context) error { return nil }},
		{Name: "shutdown", Run: func(ctx context.Context) error {
			if fail {
				return errors.New("secret /path/detail")
			}
			return nil
		}},
	}})
	r := e.Do("GET", "/readyz", nil)
	j := r.JSON()
	checks, _ := j["checks"].(map[string]any)
	if r.StatusCode != 200 || j["status"] != "ready" || checks["database"] != "ok" || checks["migrations"] != "ok" || checks["shutdown"] != "ok" {
		t.Fatalf("ready: %d %s", r.StatusCode, r.Body)
	}
	fail = true
	r = e.Do("GET", "/readyz", nil)
	j = r.JSON()
	checks, _ = j["checks"].(map[string]any)
	if r.StatusCode != 503 || checks["shutdown"] != "fail" || checks["database"] != "ok" || strings.Contains(string(r.Body), "secret") {
		t.Fatalf("not ready: %d %s", r.StatusCode, r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Error("/readyz is cacheable")
	}
}
