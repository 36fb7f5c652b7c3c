package postgres_test

import (
	"context"
	"sync"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
)

// Refresh rotation runs at READ COMMITTED with the token's row locked
// (internal/auth/rowlocks.go). Concurrent rotations of one refresh token,
// from three nodes, must behave as in sequence: the first rotates, the
// others queue on the row and replay its successor within the grace
// window, so every caller holds the same new refresh token and the family
// does not fork. Without the row lock the losers' conditional update finds
// the token rotated and they are refused.
func TestConcurrentRotationsOfOneTokenDoNotFork(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	stores := []*postgres.Store{openURL(t, url), openURL(t, url), openURL(t, url)}
	if _, err := stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svcs := make([]*auth.Service, len(stores))
	for i, st := range stores {
		svc, err := auth.NewService(st, auth.NewArgon2(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}),
			auth.Config{BaseURL: "https://auth.example.test"}, auth.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svcs[i] = svc
	}
	const password = "Rotate-Passw0rd-Quartz-71"
	if _, err := svcs[0].CreateMember(ctx, auth.CreateMemberInput{Email: "rot@example.com", Password: password, Name: "Rot"}); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		_, tok, err := svcs[0].LoginTokens(ctx, auth.LoginInput{Identifier: "rot@example.com", Password: password, Via: auth.ViaOpenAPI})
		if err != nil || tok.Refresh == "" {
			t.Fatalf("login: %v", err)
		}
		const callers = 8
		got := make([]string, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, t, err := svcs[i%len(svcs)].RefreshTokensAs(ctx, auth.ViaOpenAPI, tok.Refresh, "")
				got[i], errs[i] = t.Refresh, err
			}()
		}
		close(start)
		wg.Wait()
		for i := range callers {
			if errs[i] != nil {
				t.Fatalf("round %d: caller %d refused: %v", round, i, errs[i])
			}
			if got[i] == "" || got[i] != got[0] {
				t.Fatalf("round %d: the family forked: caller %d got %q, caller 0 %q", round, i, got[i], got[0])
			}
		}
		// The successor is live and rotates in turn.
		if _, _, err := svcs[1].RefreshTokensAs(ctx, auth.ViaOpenAPI, got[0], ""); err != nil {
			t.Fatalf("round %d: the successor does not rotate: %v", round, err)
		}
	}
}
