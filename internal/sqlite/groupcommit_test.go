package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// addAudit writes one audit entry with detail, the probe of these tests.
func addAudit(ctx context.Context, tx auth.Tx, detail string) error {
	return tx.AddAudit(ctx, &auth.AuditEntry{At: t0, Action: "test.group", Detail: detail})
}

// auditDetails reads back every probe through a fresh connection, so what
// it sees is what was committed to the file.
func auditDetails(t *testing.T, path string) map[string]bool {
	t.Helper()
	s, err := sqlite.Open(path, sqlite.Options{PayloadKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[string]bool{}
	entries, err := s.ListAudit(context.Background(), auth.AuditQuery{Action: "test.group", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got[e.Detail] = true
	}
	return got
}

// TestGroupCommitBatchesAndIsolates: Updates that wait while the writer is
// busy commit together in one transaction (one fsync), and yet each keeps
// the outcome of a lone transaction: a failing Update's writes are undone
// and it gets its error, a panicking one panics in its caller, and the
// others of the same batch are committed and durable when Update returns.
func TestGroupCommitBatchesAndIsolates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := mustOpenAt(t, path)
	ctx := context.Background()
	before := sqlite.Commits(s)

	// Hold the writer inside a first Update while the others queue.
	hold, holding := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- s.Update(ctx, func(tx auth.Tx) error {
			close(holding)
			<-hold
			return addAudit(ctx, tx, "first")
		})
	}()
	<-holding

	const n = 12
	errs := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	boom := errors.New("boom")
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = s.Update(ctx, func(tx auth.Tx) error {
				if err := addAudit(ctx, tx, fmt.Sprint("job", i)); err != nil {
					return err
				}
				switch i {
				case 3:
					return boom
				case 7:
					panic("job 7 panics")
				}
				return nil
			})
		}()
	}
	waitQueued(t, s, n)
	close(hold)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	for i := range n {
		switch i {
		case 3:
			if !errors.Is(errs[i], boom) {
				t.Errorf("job 3: err = %v, want its own error", errs[i])
			}
		case 7:
			if panics[i] != "job 7 panics" {
				t.Errorf("job 7: recovered %v, want its panic raised in the caller", panics[i])
			}
		default:
			if errs[i] != nil || panics[i] != nil {
				t.Errorf("job %d: err %v panic %v", i, errs[i], panics[i])
			}
		}
	}
	got := auditDetails(t, path)
	for i := range n {
		want := i != 3 && i != 7
		if got[fmt.Sprint("job", i)] != want {
			t.Errorf("job %d committed = %v, want %v", i, !want, want)
		}
	}
	if !got["first"] {
		t.Error("the first Update was not committed")
	}
	// The first Update alone, then the twelve queued behind it together.
	if commits := sqlite.Commits(s) - before; commits != 2 {
		t.Errorf("%d transactions for 13 Updates, want 2 (one batch behind the first)", commits)
	}
}

// waitQueued waits until n Updates are queued for the writer.
func waitQueued(t *testing.T, s *sqlite.Store, n int) {
	t.Helper()
	waitUntil(t, func() bool { return sqlite.Queued(s) >= n })
}

// TestGroupCommitCancelledBeforeTurn: an Update whose context is done
// before its turn does not run and reports the context's error; the rest
// of its batch commits.
func TestGroupCommitCancelledBeforeTurn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := mustOpenAt(t, path)
	ctx := context.Background()
	hold, holding := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Update(ctx, func(tx auth.Tx) error {
			close(holding)
			<-hold
			return nil
		})
	}()
	<-holding
	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	go func() {
		cancelled <- s.Update(cctx, func(tx auth.Tx) error { return addAudit(ctx, tx, "cancelled") })
	}()
	kept := make(chan error, 1)
	waitQueued(t, s, 1)
	go func() { kept <- s.Update(ctx, func(tx auth.Tx) error { return addAudit(ctx, tx, "kept") }) }()
	waitQueued(t, s, 2)
	cancel()
	close(hold)
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Update: %v", err)
	}
	if err := <-kept; err != nil {
		t.Fatal(err)
	}
	got := auditDetails(t, path)
	if got["cancelled"] || !got["kept"] {
		t.Fatalf("committed %v, want only kept", got)
	}
}

// waitUntil polls cond until it holds or a generous bound passes.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWALRestartsUnderSustainedWrites: writes that never pause keep a
// PASSIVE checkpoint from ever catching up with the end of the WAL; once
// the WAL is past the threshold the writer restarts it between batches, so
// it stays short instead of growing for as long as the load lasts.
func TestWALRestartsUnderSustainedWrites(t *testing.T) {
	defer sqlite.SetRestartFrames(64)()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := mustOpenAt(t, path)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := time.Now().Add(3 * time.Second)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				if err := s.Update(ctx, func(tx auth.Tx) error {
					return addAudit(ctx, tx, fmt.Sprintf("w%d-%d-%s", w, i, strings.Repeat("x", 2000)))
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := sqlite.Restarts(s); n == 0 {
		t.Fatal("the WAL was never restarted under sustained writes")
	}
}
