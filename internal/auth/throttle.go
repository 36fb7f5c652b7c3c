package auth

import (
	"sync"
	"time"
)

// ipThrottle limits failed login attempts per client IP over a sliding
// one-minute window (docs/security.md B4). It lives in memory only: a restart
// resets it (the per-account counters, which matter for B1-B3, are in the
// database). An attempt reserves a slot before its hash is evaluated and
// gives it back when the login succeeds, so successful logins are not
// counted and concurrent attempts cannot overrun the limit.
type ipThrottle struct {
	limit  int // attempts per window; <= 0 disables the throttle
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	hits  map[string][]time.Time // per IP, oldest first, all within window
	calls int
}

func newIPThrottle(limit int, now func() time.Time) *ipThrottle {
	return &ipThrottle{limit: limit, window: time.Minute, now: now, hits: map[string][]time.Time{}}
}

// reserve counts one attempt from ip and returns the time it was counted
// at (for release), or how long to wait when ip is over the limit. An empty
// ip (a call without a client, such as the CLI) is not throttled.
func (t *ipThrottle) reserve(ip string) (at time.Time, retry time.Duration, ok bool) {
	if t == nil || t.limit <= 0 || ip == "" {
		return time.Time{}, 0, true
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.calls%1024 == 0 {
		t.sweep(now)
	}
	h := t.prune(ip, now)
	if len(h) >= t.limit {
		return time.Time{}, h[0].Add(t.window).Sub(now), false
	}
	t.hits[ip] = append(h, now)
	return now, 0, true
}

// release gives back the slot reserved at at (the login succeeded).
func (t *ipThrottle) release(ip string, at time.Time) {
	if t == nil || t.limit <= 0 || ip == "" || at.IsZero() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hits[ip]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Equal(at) {
			h = append(h[:i], h[i+1:]...)
			break
		}
	}
	if len(h) == 0 {
		delete(t.hits, ip)
	} else {
		t.hits[ip] = h
	}
}

// prune drops ip's hits older than the window; t.mu is held.
func (t *ipThrottle) prune(ip string, now time.Time) []time.Time {
	h := t.hits[ip]
	i := 0
	for i < len(h) && !h[i].After(now.Add(-t.window)) {
		i++
	}
	if i == len(h) {
		delete(t.hits, ip)
		return nil
	}
	return h[i:]
}

// sweep forgets every IP without a hit in the window, bounding memory when
// many addresses pass by; t.mu is held.
func (t *ipThrottle) sweep(now time.Time) {
	for ip, h := range t.hits {
		if len(h) == 0 || !h[len(h)-1].After(now.Add(-t.window)) {
			delete(t.hits, ip)
		}
	}
}
