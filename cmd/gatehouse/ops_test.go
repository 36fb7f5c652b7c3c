package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
)

// scrapeAt fetches a /metrics URL (with token when set) and parses it with
// Prometheus's text parser.
func scrapeAt(t *testing.T, u, token string) testenv.Scrape {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	s, err := testenv.ParseScrape(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", u, err)
	}
	return s
}

// TestE2EMetricsAndReadiness drives the real binary with SMTP and a
// separate metrics listener: /readyz names every check, /metrics is absent
// from the public listener, and the series move with sign-ins and mail.
func TestE2EMetricsAndReadiness(t *testing.T) {
	mail := smtptest.Start(t)
	metricsAddr := freeAddr(t)
	e := env{
		"GATEHOUSE_DB":           filepath.Join(t.TempDir(), "gatehouse.db"),
		"GATEHOUSE_SMTP_URL":     mail.URL(),
		"GATEHOUSE_METRICS_ADDR": metricsAddr,
	}
	if _, stderr, err := runBinary(t, e, "member", "create", "--email", "mia@example.com", "--password", strongPassword); err != nil {
		t.Fatalf("member create: %v\n%s", err, stderr)
	}
	s := startServer(t, e)
	metricsURL := "http://" + metricsAddr + "/metrics"

	status, body := get(t, newClient(t), s.base+"/readyz")
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	_ = json.Unmarshal([]byte(body), &ready)
	want := map[string]string{"database": "ok", "migrations": "ok", "outbox_worker": "ok", "shutdown": "ok"}
	if status != http.StatusOK || ready.Status != "ready" || len(ready.Checks) != len(want) {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	for k, v := range want {
		if ready.Checks[k] != v {
			t.Errorf("/readyz check %s = %q, want %q", k, ready.Checks[k], v)
		}
	}
	if status, _ := get(t, newClient(t), s.base+"/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics with GATEHOUSE_METRICS_ADDR set: %d, want 404", status)
	}

	before := scrapeAt(t, metricsURL, "")
	ctx := context.Background()
	hc := loadClient(4, 30*time.Second)
	if _, _, r := wmeLogin(ctx, hc, s.base, "mia@example.com", strongPassword); r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	if _, _, r := wmeLogin(ctx, hc, s.base, "mia@example.com", "not-"+strongPassword); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong login: %d %s", r.status, r.body)
	}
	if r := send(ctx, hc, "POST", s.base+"/api/user/resetpassword", map[string]string{"email": "mia@example.com"}); r.status != http.StatusOK {
		t.Fatalf("kotive resetpassword: %d %s", r.status, r.body)
	}
	mail.WaitFor(t, 1, 30*time.Second)

	var after testenv.Scrape
	deadline := time.Now().Add(10 * time.Second)
	for { // the sent counter and MarkSent's commit follow the SMTP answer by a moment
		after = scrapeAt(t, metricsURL, "")
		sent, _ := after.Value("gatehouse_mails_total", "outcome", "sent")
		depth, _ := after.Value("gatehouse_outbox_depth")
		if (sent >= 1 && depth == 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	delta := func(name string, labels ...string) float64 {
		a, _ := after.Value(name, labels...)
		b, _ := before.Value(name, labels...)
		return a - b
	}
	if d := delta("gatehouse_signins_total", "door", "wme", "result", "success"); d != 1 {
		t.Errorf("wme successes moved by %v", d)
	}
	if d := delta("gatehouse_signins_total", "door", "wme", "result", "failure"); d != 1 {
		t.Errorf("wme failures moved by %v", d)
	}
	if d := delta("gatehouse_mails_total", "outcome", "sent"); d != 1 {
		t.Errorf("mails sent moved by %v", d)
	}
	if d := delta("gatehouse_http_request_duration_seconds", "route", "/api/user/resetpassword"); d != 1 {
		t.Errorf("resetpassword latency samples moved by %v", d)
	}
	for name, ok := range map[string]func(float64) bool{
		"gatehouse_sessions_active":           func(v float64) bool { return v >= 1 },
		"gatehouse_hash_pool_slots":           func(v float64) bool { return v >= 1 },
		"gatehouse_hash_pool_busy":            func(v float64) bool { return v == 0 },
		"gatehouse_hash_pool_queued":          func(v float64) bool { return v == 0 },
		"gatehouse_outbox_depth":              func(v float64) bool { return v == 0 },
		"gatehouse_outbox_oldest_age_seconds": func(v float64) bool { return v == 0 },
		"go_goroutines":                       func(v float64) bool { return v > 0 },
		"process_resident_memory_bytes":       func(v float64) bool { return v > 0 },
	} {
		if v, found := after.Value(name); !found || !ok(v) {
			t.Errorf("%s = %v (found %v)", name, v, found)
		}
	}
}

// TestE2EMetricsToken: with only GATEHOUSE_METRICS_TOKEN, /metrics is on
// the public listener and answers 401 without the token.
func TestE2EMetricsToken(t *testing.T) {
	const token = "e2e-metrics-token-0123456789"
	s := startServer(t, env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db"), "GATEHOUSE_METRICS_TOKEN": token})
	if status, body := get(t, newClient(t), s.base+"/metrics"); status != http.StatusUnauthorized || strings.Contains(body, "gatehouse_") {
		t.Fatalf("/metrics without token: %d %.200s", status, body)
	}
	sc := scrapeAt(t, s.base+"/metrics", token)
	if v, found := sc.Value("gatehouse_http_requests_total", "route", "/metrics", "status", "401"); !found || v != 1 {
		t.Errorf("the refused scrape is not counted: %v %v", v, found)
	}
	// Dev without SMTP still runs the worker (it resolves forgot-password
	// requests), so readiness asks for it.
	if status, body := get(t, newClient(t), s.base+"/readyz"); status != http.StatusOK || !strings.Contains(body, `"outbox_worker":"ok"`) {
		t.Errorf("/readyz in dev: %d %s", status, body)
	}
}

// TestMetricsConfig: a short token, a bad address and the public address
// reused for metrics stop start-up.
func TestMetricsConfig(t *testing.T) {
	for _, e := range []env{
		{"GATEHOUSE_METRICS_TOKEN": "short"},
		{"GATEHOUSE_METRICS_TOKEN": "has spaces in the token value"},
		{"GATEHOUSE_METRICS_ADDR": "9090"},
		{"GATEHOUSE_METRICS_ADDR": "127.0.0.1:8080"},
	} {
		if _, err := resolve(t, e); err == nil {
			t.Errorf("%v accepted", e)
		}
	}
	c, err := resolve(t, env{"GATEHOUSE_METRICS_ADDR": "127.0.0.1:9090", "GATEHOUSE_METRICS_TOKEN": "0123456789abcdef"})
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != "0123456789abcdef" {
		t.Fatalf("%+v %v", c, err)
	}
}
