package auth_test

import (
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// TestAnonymousTokenLimit: a flood of anonymous token requests from one
// client creates at most the allowance of rows; the rest are ERATELIMIT
// with a RetryAfter, write nothing, and leave other clients alone. An IPv6
// client is counted by its /64. The allowance comes back as the window
// slides.
func TestAnonymousTokenLimit(t *testing.T) {
	e := authtest.New(t, auth.Config{AnonymousTokenLimit: 5})
	flooder := auth.ClientMeta{IP: "198.51.100.7"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, flooder)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case code(err) == auth.ERATELIMIT && auth.AsError(err).RetryAfter > 0:
				limited++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 5 || limited != 35 {
		t.Fatalf("%d issued, %d limited; want 5 and 35", ok, limited)
	}
	if n := count(t, e.DBPath, `SELECT count(*) FROM credentials WHERE kind = 'anonymous'`); n != 5 {
		t.Fatalf("%d anonymous token rows, want 5", n)
	}
	if _, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{IP: "198.51.100.8"}); err != nil {
		t.Fatalf("another client: %v", err)
	}
	// One IPv6 host with many addresses of its /64 is one client.
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4", "2001:db8:1:2::5"} {
		if _, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{IP: ip}); err != nil {
			t.Fatalf("IPv6 request %d: %v", i, err)
		}
	}
	if _, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{IP: "2001:db8:1:2::6"}); code(err) != auth.ERATELIMIT {
		t.Fatalf("sixth request from one /64: %v", err)
	}
	if _, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, auth.ClientMeta{IP: "2001:db8:1:3::1"}); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	e.Clock.Advance(time.Minute + time.Second)
	if _, err := e.Svc.AnonymousToken(ctx, auth.ViaKuroco, flooder); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestCookieSignIn(t *testing.T) {
	for fs, refused := range map[string]bool{"cross-site": true, "same-site": false, "same-origin": false, "none": false, "": false} {
		if err := auth.CookieSignIn(auth.ClientMeta{FetchSite: fs}); (err != nil) != refused || (refused && code(err) != auth.EFORBIDDEN) {
			t.Errorf("Sec-Fetch-Site %q: %v", fs, err)
		}
	}
}
