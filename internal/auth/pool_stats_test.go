package auth

import (
	"testing"
	"time"
)

// TestPoolStats: busy counts held slots (also one handed to a waiter),
// queued the waiters, and both return to zero.
func TestPoolStats(t *testing.T) {
	p := newHashPool(PoolOptions{Slots: 2, QueueLimit: 5})
	if got := p.stats(); got != (PoolStats{Slots: 2}) {
		t.Fatalf("idle: %+v", got)
	}
	for range 2 {
		if _, err := p.acquire(true); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		if _, err := p.acquire(true); err != nil {
			t.Error(err)
		}
		close(done)
	}()
	waitFor(t, "waiter to queue", func() bool { return p.waiting() == 1 })
	if got := p.stats(); got != (PoolStats{Slots: 2, Busy: 2, Queued: 1}) {
		t.Fatalf("full: %+v", got)
	}
	p.release(time.Now()) // handed to the waiter: still two busy
	<-done
	if got := p.stats(); got != (PoolStats{Slots: 2, Busy: 2}) {
		t.Fatalf("after hand-over: %+v", got)
	}
	p.release(time.Now())
	p.release(time.Now())
	if got := p.stats(); got != (PoolStats{Slots: 2}) {
		t.Fatalf("after release: %+v", got)
	}
	a := NewArgon2Pool(Argon2Params{}, PoolOptions{Slots: 3})
	if got := a.PoolStats(); got.Slots != 3 || got.Busy != 0 {
		t.Fatalf("Argon2.PoolStats: %+v", got)
	}
}
