// Package metrics holds Gatehouse's Prometheus metrics: one registry, the
// counters and histograms the web layer and the outbox wiring feed, and the
// gauges read at scrape time from the hash pool and the store. It knows
// nothing of Fiber or SQL: callers hand it plain values and functions.
package metrics

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry and every series Gatehouse exports. Its methods
// are safe for concurrent use; a nil *Metrics ignores every call, so code
// paths without metrics need no checks.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	signIns  *prometheus.CounterVec
	lockouts *prometheus.CounterVec
	mails    *prometheus.CounterVec
}

// New returns Metrics on a fresh registry. The Go runtime and process
// collectors are added by the caller (Register): their package also
// brings database/sql, which the web layer must not import.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gatehouse_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method and route pattern.",
			// From a cached token check (well under 1 ms) to a queued
			// password hash (seconds).
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_signins_total",
			Help: "Password sign-in attempts, by door (page or API dialect) and result.",
		}, []string{"door", "result"}),
		lockouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_lockouts_total",
			Help: "Sign-in attempts refused with 429 (account or client IP throttled), by door.",
		}, []string{"door"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_mails_total",
			Help: "Outbox delivery outcomes: sent, retry (a failed attempt to be retried) or dropped.",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.signIns, m.lockouts, m.mails)
	// Outcomes exist from the start, so rate() works before the first mail.
	for _, o := range []string{MailSent, MailRetry, MailDropped} {
		m.mails.WithLabelValues(o)
	}
	return m
}

// Register adds more collectors to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Mail outcomes for Mail.
const (
	MailSent    = "sent"
	MailRetry   = "retry"
	MailDropped = "dropped"
)

// Request records one answered HTTP request. route must be the route
// pattern (/rcms-api/:api_id/login), never the raw path: raw paths carry
// tokens and ids and would make the label set unbounded.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// SignIn records one password sign-in attempt at door with result.
func (m *Metrics) SignIn(door, result string) {
	if m == nil {
		return
	}
	m.signIns.WithLabelValues(door, result).Inc()
}

// Lockout records one sign-in attempt refused by a throttle at door.
func (m *Metrics) Lockout(door string) {
	if m == nil {
		return
	}
	m.lockouts.WithLabelValues(door).Inc()
}

// Mail records one outbox delivery outcome (MailSent, MailRetry,
// MailDropped).
func (m *Metrics) Mail(outcome string) {
	if m == nil {
		return
	}
	m.mails.WithLabelValues(outcome).Inc()
}

// PoolStats is a snapshot of the password hash pool.
type PoolStats struct{ Slots, Busy, Queued int }

// WatchHashPool exports the hash pool's size, busy slots and queue length,
// read from stats at every scrape.
func (m *Metrics) WatchHashPool(stats func() PoolStats) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatehouse_hash_pool_slots", Help: "Password hashes that may run at once."},
			func() float64 { return float64(stats().Slots) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatehouse_hash_pool_busy", Help: "Password hashes running now."},
			func() float64 { return float64(stats().Busy) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gatehouse_hash_pool_queued", Help: "Password hashes waiting for a slot."},
			func() float64 { return float64(stats().Queued) }),
	)
}

// StoreStats is what the database reports at a scrape.
type StoreStats struct {
	OutboxDepth     int64         // mails neither sent nor dropped
	OutboxOldestAge time.Duration // age of the oldest of them; 0 when none
	SessionsActive  int64         // sessions neither revoked nor expired
}

// WatchStore exports StoreStats, read from stats at every scrape with a
// bound of timeout. A failed read exports nothing for that scrape (and
// counts in gatehouse_store_stats_errors_total), rather than a stale value.
func (m *Metrics) WatchStore(stats func(ctx context.Context) (StoreStats, error), timeout time.Duration) {
	m.reg.MustRegister(&storeCollector{stats: stats, timeout: timeout, errs: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gatehouse_store_stats_errors_total",
		Help: "Scrapes whose database statistics could not be read.",
	})})
}

var (
	descOutboxDepth = prometheus.NewDesc("gatehouse_outbox_depth", "Mails in the outbox neither sent nor dropped.", nil, nil)
	descOutboxAge   = prometheus.NewDesc("gatehouse_outbox_oldest_age_seconds", "Age of the oldest mail in the outbox neither sent nor dropped (0 when none).", nil, nil)
	descSessions    = prometheus.NewDesc("gatehouse_sessions_active", "Sessions neither revoked nor expired.", nil, nil)
)

type storeCollector struct {
	stats   func(ctx context.Context) (StoreStats, error)
	timeout time.Duration
	errs    prometheus.Counter
}

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutboxDepth
	ch <- descOutboxAge
	ch <- descSessions
	s.errs.Describe(ch)
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	st, err := s.stats(ctx)
	if err != nil {
		s.errs.Inc()
	} else {
		ch <- prometheus.MustNewConstMetric(descOutboxDepth, prometheus.GaugeValue, float64(st.OutboxDepth))
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, st.OutboxOldestAge.Seconds())
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(st.SessionsActive))
	}
	s.errs.Collect(ch)
}

// Handler serves the registry in the Prometheus text format. With token
// set, a request must carry "Authorization: Bearer <token>" (compared in
// constant time) or it gets 401 and nothing else.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "Unauthorized.", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
