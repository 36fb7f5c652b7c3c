package auth

import (
	"net/netip"
	"sync"
	"time"
)

// windowLog allows at most limit events per key within any sliding
// window (a log of event times per key). It lives in memory, so a restart
// resets it; it is for limits whose purpose is bounding work and rows, not
// for counters that must survive a restart (those are in the database).
type windowLog struct {
	limit  int // events per window; <= 0 turns the limiter off
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	hits  map[string][]time.Time // per key, oldest first, all within window
	calls int
}

func newWindowLog(limit int, window time.Duration, now func() time.Time) *windowLog {
	return &windowLog{limit: limit, window: window, now: now, hits: map[string][]time.Time{}}
}

// allow counts one event for key, or, when key has used up the window,
// counts nothing and returns how long until its oldest event leaves the
// window. An empty key (no client, such as the CLI) is never limited.
func (l *windowLog) allow(key string) (retry time.Duration, ok bool) {
	if l == nil || l.limit <= 0 || key == "" {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		l.sweep(now)
	}
	h := l.hits[key]
	i := 0
	for i < len(h) && !h[i].After(now.Add(-l.window)) {
		i++
	}
	h = h[i:]
	if len(h) >= l.limit {
		l.hits[key] = h
		return max(h[0].Add(l.window).Sub(now), time.Second), false
	}
	l.hits[key] = append(h, now)
	return 0, true
}

// sweep forgets every key without an event in the window, bounding memory
// when many clients pass by; l.mu is held.
func (l *windowLog) sweep(now time.Time) {
	for k, h := range l.hits {
		if len(h) == 0 || !h[len(h)-1].After(now.Add(-l.window)) {
			delete(l.hits, k)
		}
	}
}

// ipKey is the limiter key of a client IP: the address itself for
// IPv4, its /64 network for IPv6 (one host commonly holds a whole /64, so
// counting single IPv6 addresses would not limit anyone). Anything that is
// not an IP is used as is.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
