package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestGateOnTheBinary holds the login gate's promises (internal/auth/gate.go)
// on the real binary, with clients told apart by X-Forwarded-For from a
// trusted proxy. The counts it asserts do not depend on timing; the
// latencies it logs (go test -v -run GateOnTheBinary ./cmd/gatehouse/) are
// the measurements quoted in docs/decisions.md, never asserted.
func TestGateOnTheBinary(t *testing.T) {
	dir := t.TempDir()
	e := env{
		"GATEHOUSE_DB":              filepath.Join(dir, "gatehouse.db"),
		"GATEHOUSE_ENV":             "dev",
		"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
	}
	create := func(email string) {
		t.Helper()
		if _, stderr, err := runBinary(t, e, "member", "create", "--email", email, "--password", strongPassword); err != nil {
			t.Fatalf("member create %s: %v\n%s", email, err, stderr)
		}
	}
	for i := range 15 {
		create(fmt.Sprintf("sprayed%d@example.com", i))
	}
	create("shared@example.com")
	create("victim@example.com")
	s := startServer(t, e)
	c := loadClient(64, 30*time.Second)
	login := func(ip, email, pw string) reply {
		return sendFrom(c, ip, s.base+"/v1/login", map[string]string{"username": email, "password": pw})
	}

	t.Run("one IP spraying 15 accounts reaches at most the IP allowance of hashes", func(t *testing.T) {
		statuses := parallel(150, 16, func(i int) reply {
			return login("10.1.1.1", fmt.Sprintf("sprayed%d@example.com", i%15), "wrong password, surely")
		})
		evaluated, throttled := statuses[http.StatusUnauthorized], statuses[http.StatusTooManyRequests]
		t.Logf("150 wrong passwords over 15 accounts from one IP: %d evaluated (401), %d refused (429)", evaluated, throttled)
		if evaluated > 100 || evaluated+throttled != 150 {
			t.Errorf("statuses %v: want at most 100 (the per-IP allowance) evaluated, the rest 429", statuses)
		}
	})

	t.Run("10 concurrent correct logins to one account all succeed", func(t *testing.T) {
		for _, n := range []int{10, 32} {
			start := time.Now()
			statuses := parallel(n, n, func(i int) reply {
				return login(fmt.Sprintf("10.2.0.%d", i), "shared@example.com", strongPassword)
			})
			t.Logf("%d concurrent correct logins: %v in %v", n, statuses, time.Since(start).Round(time.Millisecond))
			// 10 fit the threshold at once; beyond it attempts wait for
			// their turn, so on a busy machine a few may be told to retry
			// (429): that case is measured, not asserted.
			if n == 10 && statuses[http.StatusOK] != n {
				t.Errorf("%d concurrent correct logins: %v, want %d × 200", n, statuses, n)
			}
		}
	})

	t.Run("a client that signed in before is not locked out by an attack", func(t *testing.T) {
		if r := login("10.3.0.1", "victim@example.com", strongPassword); r.status != http.StatusOK {
			t.Fatalf("first sign-in: %d %s", r.status, r.body)
		}
		attack := parallel(200, 16, func(int) reply { return login("10.66.6.6", "victim@example.com", "guess guess guess") })
		t.Logf("200 wrong passwords from 10.66.6.6: %v", attack)
		if attack[http.StatusOK] != 0 || attack[http.StatusUnauthorized] > 10 {
			t.Errorf("attack statuses %v: at most 10 may be evaluated", attack)
		}
		start := time.Now()
		r := login("10.3.0.1", "victim@example.com", strongPassword)
		took := time.Since(start)
		t.Logf("the known client during the attack: %d in %v", r.status, took.Round(time.Millisecond))
		if r.status != http.StatusOK {
			t.Errorf("known client during the attack: %d %s, want 200", r.status, r.body)
		}
		if r := login("10.3.0.99", "victim@example.com", strongPassword); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Errorf("a stranger with the right password during the attack: %d, want 429 with Retry-After", r.status)
		}
	})
}

// sendFrom is send with X-Forwarded-For set to ip.
func sendFrom(c *http.Client, ip, u string, body any) reply {
	ctx := context.WithValue(context.Background(), forwardedFor{}, ip)
	return send(ctx, c, http.MethodPost, u, body)
}

// forwardedFor carries the client IP that send puts in X-Forwarded-For.
type forwardedFor struct{}

// parallel runs n calls of f on conc workers and counts the statuses
// (transport errors count as status 0).
func parallel(n, conc int, f func(i int) reply) map[int]int {
	var (
		mu  sync.Mutex
		out = map[int]int{}
		wg  sync.WaitGroup
		ch  = make(chan int)
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				r := f(i)
				mu.Lock()
				out[r.status]++
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		ch <- i
	}
	close(ch)
	wg.Wait()
	return out
}
