package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/metrics"
	"gatehouse/internal/testenv"
)

func scrape(t *testing.T, m *metrics.Metrics, token string) testenv.Scrape {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	m.Handler(token).ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", w.Code, w.Body)
	}
	s, err := testenv.ParseScrape(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScrapeTimeGauges: the hash pool and store gauges are read at each
// scrape; a failed store read exports none of its series and counts an
// error instead of repeating a stale value.
func TestScrapeTimeGauges(t *testing.T) {
	m := metrics.New()
	pool := metrics.PoolStats{Slots: 2, Busy: 1, Queued: 3}
	var storeErr error
	m.WatchHashPool(func() metrics.PoolStats { return pool })
	m.WatchStore(func(ctx context.Context) (metrics.StoreStats, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("store read without a deadline")
		}
		return metrics.StoreStats{OutboxDepth: 4, OutboxOldestAge: 90 * time.Second, SessionsActive: 7}, storeErr
	}, time.Second)
	s := scrape(t, m, "")
	for name, want := range map[string]float64{
		"gatehouse_hash_pool_slots": 2, "gatehouse_hash_pool_busy": 1, "gatehouse_hash_pool_queued": 3,
		"gatehouse_outbox_depth": 4, "gatehouse_outbox_oldest_age_seconds": 90, "gatehouse_sessions_active": 7,
		"gatehouse_store_stats_errors_total": 0,
	} {
		if v, ok := s.Value(name); !ok || v != want {
			t.Errorf("%s = %v (found %v), want %v", name, v, ok, want)
		}
	}
	pool.Queued, storeErr = 0, errors.New("database is locked")
	s = scrape(t, m, "")
	if v, _ := s.Value("gatehouse_hash_pool_queued"); v != 0 {
		t.Errorf("queued did not follow the pool: %v", v)
	}
	if _, ok := s.Value("gatehouse_outbox_depth"); ok {
		t.Error("a failed store read still exported the outbox depth")
	}
	if v, _ := s.Value("gatehouse_store_stats_errors_total"); v != 1 {
		t.Errorf("store errors = %v", v)
	}
	m.Mail(metrics.MailRetry)
	s = scrape(t, m, "")
	if v, _ := s.Value("gatehouse_mails_total", "outcome", "retry"); v != 1 {
		t.Errorf("mails retry = %v", v)
	}
	if _, ok := s.Value("gatehouse_mails_total", "outcome", "sent"); !ok {
		t.Error("the sent outcome is not exported before the first mail")
	}
}

// TestNilMetricsIgnoresCalls: code paths without metrics need no checks.
func TestNilMetricsIgnoresCalls(t *testing.T) {
	var m *metrics.Metrics
	m.Request("GET", "/", 200, time.Millisecond)
	m.SignIn("page", "success")
	m.Lockout("page")
	m.Mail(metrics.MailSent)
}
