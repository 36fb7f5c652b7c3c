package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"gatehouse/internal/auth"
	"gatehouse/internal/metrics"
	"gatehouse/internal/outbox"
	"gatehouse/web"
)

// workerStale is how long the outbox worker may go without touching its
// queue before /readyz calls it dead. Idle, it claims every second; a send
// and the record of its outcome are bounded by 10 s each.
const workerStale = time.Minute

// watchedQueue is the outbox queue as the worker sees it, plus a heartbeat
// (every claim and every outcome) for /readyz and the delivery counters for
// /metrics. It adds no behaviour.
type watchedQueue struct {
	outbox.Queue
	m     *metrics.Metrics // nil: count nothing
	beat  atomic.Int64     // unix nanoseconds of the last call
	ended atomic.Bool      // Run returned
}

func (q *watchedQueue) touch() { q.beat.Store(time.Now().UnixNano()) }

func (q *watchedQueue) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]auth.Mail, error) {
	q.touch()
	return q.Queue.ClaimDue(ctx, now, lease, limit)
}

func (q *watchedQueue) MarkSent(ctx context.Context, id int64, at time.Time) error {
	q.touch()
	q.m.Mail(metrics.MailSent)
	return q.Queue.MarkSent(ctx, id, at)
}

func (q *watchedQueue) MarkRetry(ctx context.Context, id int64, next time.Time, errMsg string) error {
	q.touch()
	q.m.Mail(metrics.MailRetry)
	return q.Queue.MarkRetry(ctx, id, next, errMsg)
}

func (q *watchedQueue) MarkDropped(ctx context.Context, id int64, at time.Time, reason string) error {
	q.touch()
	q.m.Mail(metrics.MailDropped)
	return q.Queue.MarkDropped(ctx, id, at, reason)
}

// alive is the readiness check of the worker: running, and seen recently.
func (q *watchedQueue) alive(context.Context) error {
	if q.ended.Load() {
		return errors.New("outbox worker stopped")
	}
	if last := time.Unix(0, q.beat.Load()); time.Since(last) > workerStale {
		return fmt.Errorf("outbox worker last seen %s ago", time.Since(last).Round(time.Second))
	}
	return nil
}

// newMetrics builds the registry with the gauges read at scrape time: the
// hash pool and the store's outbox backlog and live sessions. It returns
// nil when metrics are exposed nowhere (neither GATEHOUSE_METRICS_ADDR nor
// GATEHOUSE_METRICS_TOKEN), so nothing is recorded for nobody.
func newMetrics(cfg Config, st store, hasher *auth.Argon2) *metrics.Metrics {
	if cfg.MetricsAddr == "" && cfg.MetricsToken == "" {
		return nil
	}
	m := metrics.New()
	m.Register(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.WatchHashPool(func() metrics.PoolStats {
		p := hasher.PoolStats()
		return metrics.PoolStats{Slots: p.Slots, Busy: p.Busy, Queued: p.Queued}
	})
	m.WatchStore(func(ctx context.Context) (metrics.StoreStats, error) {
		now := time.Now()
		s, err := storeStats(ctx, st, now)
		if err != nil {
			return metrics.StoreStats{}, err
		}
		out := metrics.StoreStats{OutboxDepth: s.OutboxDepth, SessionsActive: s.SessionsActive}
		if !s.OutboxOldest.IsZero() {
			out.OutboxOldestAge = max(now.Sub(s.OutboxOldest), 0)
		}
		return out, nil
	}, 2*time.Second)
	return m
}

// readyChecks are the conditions of /readyz beyond "the database answers":
// every migration of this build applied, the outbox worker alive (when
// there is one: without SMTP mail waits in the outbox by design), and the
// process not shutting down.
func readyChecks(st store, q *watchedQueue, stopping *atomic.Bool) []web.Check {
	checks := []web.Check{{Name: "migrations", Run: st.CheckSchema}}
	if q != nil {
		checks = append(checks, web.Check{Name: "outbox_worker", Run: q.alive})
	}
	return append(checks, web.Check{Name: "shutdown", Run: func(context.Context) error {
		if stopping.Load() {
			return errors.New("shutting down")
		}
		return nil
	}})
}

// serveMetrics serves /metrics on its own listener (GATEHOUSE_METRICS_ADDR)
// until ctx ends; with GATEHOUSE_METRICS_TOKEN set it asks for the token
// there too. It returns once the listener is bound.
func serveMetrics(ctx context.Context, cfg Config, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on GATEHOUSE_METRICS_ADDR=%s: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(cfg.MetricsToken))
	mux.Handle("/debug/pprof/", profiles(cfg.MetricsToken))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err.Error())
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}

// profiles serves Go's runtime profiles (/debug/pprof/) on the private
// metrics listener only — never on the public one — behind the metrics
// token when one is set: they tell an operator where the CPU goes under
// load (docs/deploy.md).
func profiles(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token != "" && (!ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
