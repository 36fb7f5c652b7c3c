package auth

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds or a generous bound passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHashPoolFIFO: slots are granted to waiters in the order they queued
// (L1: a fair queue, no caller overtaken by later arrivals).
func TestHashPoolFIFO(t *testing.T) {
	p := newHashPool(PoolOptions{Slots: 1, QueueLimit: 50})
	if err := p.acquire(true); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.acquire(true); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			p.release()
		}()
		// Queue the waiters one after another, so their arrival order is known.
		waitFor(t, "waiter to queue", func() bool { return p.waiting() == i+1 })
	}
	p.release()
	wg.Wait()
	if len(order) != n {
		t.Fatalf("granted %d of %d", len(order), n)
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("grant order %v, want 0..%d in order", order, n-1)
		}
	}
	if p.free != 1 || p.waiting() != 0 {
		t.Fatalf("pool not back to idle: free=%d waiting=%d", p.free, p.waiting())
	}
}

// TestHashPoolQueueLimit: with every slot busy and the queue full, a limited
// acquire fails at once with ErrOverloaded; an unlimited one still waits.
func TestHashPoolQueueLimit(t *testing.T) {
	p := newHashPool(PoolOptions{Slots: 2, QueueLimit: 3})
	for range 2 {
		if err := p.acquire(true); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.acquire(true); err != nil {
				t.Error(err)
				return
			}
			p.release()
		}()
		waitFor(t, "waiter to queue", func() bool { return p.waiting() == i+1 })
	}
	start := time.Now()
	err := p.acquire(true)
	if !errors.Is(err, ErrOverloaded) {
		t.Fatalf("full queue: err = %v, want ErrOverloaded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("refusal took %v; it must not wait", d)
	}
	if ErrorCode(err) != EUNAVAILABLE || AsError(err).RetryAfter <= 0 {
		t.Fatalf("overload error: code %q retry %v", ErrorCode(err), AsError(err).RetryAfter)
	}
	// The dummy hash is made past the limit: it waits instead.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := p.acquire(false); err != nil {
			t.Error(err)
			return
		}
		p.release()
	}()
	waitFor(t, "unlimited waiter to queue", func() bool { return p.waiting() == 4 })
	p.release()
	p.release()
	wg.Wait()
	if p.free != 2 {
		t.Fatalf("free = %d after all released, want 2", p.free)
	}
}

// TestArgon2Overloaded: Hash and Verify return ErrOverloaded (not a
// mismatch) when the pool is saturated, and work again once it drains.
func TestArgon2Overloaded(t *testing.T) {
	a := NewArgon2Pool(Argon2Params{Memory: 64, Time: 1, Threads: 1}, PoolOptions{Slots: 1, QueueLimit: -1})
	h, err := a.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.pool.acquire(true); err != nil { // occupy the only slot
		t.Fatal(err)
	}
	if _, err := a.Hash("x"); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Hash: %v, want ErrOverloaded", err)
	}
	if ok, _, err := a.Verify("correct horse battery", h); ok || !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Verify: ok=%v err=%v, want ErrOverloaded", ok, err)
	}
	a.pool.release()
	if ok, _, err := a.Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("Verify after drain: ok=%v err=%v", ok, err)
	}
}

// TestHashPoolDefaults: one slot per core and a queue of 64 by default.
func TestHashPoolDefaults(t *testing.T) {
	p := newHashPool(PoolOptions{})
	if p.free < 1 || p.maxQueue != DefaultHashQueueLimit {
		t.Fatalf("defaults: free=%d maxQueue=%d", p.free, p.maxQueue)
	}
}
