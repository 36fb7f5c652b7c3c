package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
)

// Read-then-write transactions from several nodes lose no update: three
// stores on one database each add failures to one lockout counter the way
// the domain does (read the counter, write it back plus one), and the
// counter ends at the sum. Under READ COMMITTED without retries, two
// transactions reading the same value would both write value+1.
func TestCounterAcrossNodesLosesNoUpdate(t *testing.T) {
	url := pgtest.Schema(t)
	ctx := context.Background()
	const nodes, perNode = 3, 20
	stores := make([]*postgres.Store, nodes)
	for i := range stores {
		stores[i] = openURL(t, url)
	}
	if _, err := stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, nodes*perNode)
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perNode {
				errs <- s.Update(ctx, func(tx auth.Tx) error {
					f, err := tx.LoginFailures(ctx, "m:1")
					if e := auth.AsError(err); e != nil && e.Code == auth.ENOTFOUND {
						f, err = auth.LoginFailure{Key: "m:1"}, nil
					}
					if err != nil {
						return err
					}
					f.Failures++
					f.LastFailureAt = at
					return tx.SetLoginFailures(ctx, f)
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	f, err := stores[0].LoginFailures(ctx, "m:1")
	if err != nil || f.Failures != nodes*perNode {
		t.Fatalf("failures = %d, %v; want %d", f.Failures, err, nodes*perNode)
	}
}
