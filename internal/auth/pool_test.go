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
	if _, err := p.acquire(true); err != nil {
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
			if _, err := p.acquire(true); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			p.release(time.Now())
		}()
		// Queue the waiters one after another, so their arrival order is known.
		waitFor(t, "waiter to queue", func() bool { return p.waiting() == i+1 })
	}
	p.release(time.Now())
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
		if _, err := p.acquire(true); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.acquire(true); err != nil {
				t.Error(err)
				return
			}
			p.release(time.Now())
		}()
		waitFor(t, "waiter to queue", func() bool { return p.waiting() == i+1 })
	}
	start := time.Now()
	_, err := p.acquire(true)
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
		if _, err := p.acquire(false); err != nil {
			t.Error(err)
			return
		}
		p.release(time.Now())
	}()
	waitFor(t, "unlimited waiter to queue", func() bool { return p.waiting() == 4 })
	p.release(time.Now())
	p.release(time.Now())
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
	if _, err := a.pool.acquire(true); err != nil { // occupy the only slot
		t.Fatal(err)
	}
	if _, err := a.Hash("x"); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Hash: %v, want ErrOverloaded", err)
	}
	if ok, _, err := a.Verify("correct horse battery", h); ok || !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Verify: ok=%v err=%v, want ErrOverloaded", ok, err)
	}
	a.pool.release(time.Now())
	if ok, _, err := a.Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("Verify after drain: ok=%v err=%v", ok, err)
	}
}

// TestHashPoolDefaults: one slot per core, the queue ceiling and MaxWait by default.
func TestHashPoolDefaults(t *testing.T) {
	p := newHashPool(PoolOptions{})
	if p.free < 1 || p.maxQueue != DefaultHashQueueLimit || p.maxWait != DefaultHashMaxWait {
		t.Fatalf("defaults: free=%d maxQueue=%d", p.free, p.maxQueue)
	}
}

// TestHashPoolAdmitsByExpectedWait: with the slots busy, checks are let in
// while (waiters ÷ slots + 1) × the service time plus their own run stays
// within MaxWait, then refused at once with the excess as Retry-After;
// admit takes nothing, so asking twice changes nothing.
func TestHashPoolAdmitsByExpectedWait(t *testing.T) {
	p := newHashPool(PoolOptions{Slots: 2, MaxWait: 3 * time.Second})
	if err := p.admit(); err != nil {
		t.Fatalf("idle pool refused: %v", err)
	}
	p.service = 500 * time.Millisecond // as measured by earlier runs
	for range 2 {
		if _, err := p.acquire(true); err != nil {
			t.Fatal(err)
		}
	}
	// No waiter: (0/2 + 1) × 0.5 + 0.5 = 1 s ≤ 3 s.
	if err := p.admit(); err != nil {
		t.Fatalf("1 s expected: %v", err)
	}
	var wg sync.WaitGroup
	queue := func(n int) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started, err := p.acquire(false)
				if err != nil {
					t.Error(err)
					return
				}
				p.release(started)
			}()
		}
		waitFor(t, "waiters", func() bool { return p.waiting() >= n })
	}
	queue(4) // (4/2 + 1) × 0.5 + 0.5 = 2 s
	if err := p.admit(); err != nil {
		t.Fatalf("2 s expected: %v", err)
	}
	wg.Add(4)
	for range 4 { // 8 waiters: (8/2 + 1) × 0.5 + 0.5 = 3 s, still in
		go func() {
			defer wg.Done()
			started, _ := p.acquire(false)
			p.release(started)
		}()
	}
	waitFor(t, "8 waiters", func() bool { return p.waiting() == 8 })
	if err := p.admit(); err != nil {
		t.Fatalf("3 s expected: %v", err)
	}
	wg.Add(2)
	for range 2 { // 10 waiters: 3.5 s > 3 s
		go func() {
			defer wg.Done()
			started, _ := p.acquire(false)
			p.release(started)
		}()
	}
	waitFor(t, "10 waiters", func() bool { return p.waiting() == 10 })
	err := p.admit()
	if !errors.Is(err, ErrOverloaded) || ErrorCode(err) != EUNAVAILABLE {
		t.Fatalf("3.5 s expected: err = %v, want ErrOverloaded", err)
	}
	if got := AsError(err).RetryAfter; got != time.Second {
		t.Fatalf("Retry-After %v, want the 0.5 s excess rounded up to 1 s", got)
	}
	if p.waiting() != 10 {
		t.Fatalf("admit changed the queue: %d waiters", p.waiting())
	}
	// A limited acquire gets 1.5 × MaxWait of slack (admitted a moment ago).
	if err := p.refusal(1.5); err != nil {
		t.Fatalf("slack: %v", err)
	}
	p.service = 2 * time.Second // the machine slowed down: (5 + 1) × 2 + 2 = 14 s
	if err := AsError(p.admit()); err == nil || err.RetryAfter != 11*time.Second {
		t.Fatalf("slow machine: %v, want Retry-After 11s", err)
	}
	p.service = time.Millisecond
	p.release(time.Now())
	p.release(time.Now())
	wg.Wait()
	if p.free != 2 {
		t.Fatalf("free = %d after all released, want 2", p.free)
	}
}

// TestHashPoolServiceTime: the average follows the measured runs.
func TestHashPoolServiceTime(t *testing.T) {
	p := newHashPool(PoolOptions{Slots: 1})
	started, _ := p.acquire(true)
	p.release(started.Add(-80 * time.Millisecond))
	if p.service < 80*time.Millisecond || p.service > time.Second {
		t.Fatalf("first run sets the average: %v", p.service)
	}
	for range 100 {
		started, _ := p.acquire(true)
		p.release(started.Add(-10 * time.Millisecond))
	}
	if p.service < 10*time.Millisecond || p.service > 15*time.Millisecond {
		t.Fatalf("average after 100 runs of 10 ms: %v", p.service)
	}
}
