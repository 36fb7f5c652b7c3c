package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// cacheFixture is a member with a role, a session and an access and a
// refresh credential of that session, all read once so they are cached.
type cacheFixture struct {
	m       *auth.Member
	sess    *auth.Session
	access  string
	refresh string
}

func newCacheFixture(t *testing.T, s *sqlite.Store) cacheFixture {
	t.Helper()
	ctx := context.Background()
	f := cacheFixture{m: newMember("cache@example.com", "cache"), access: "access-hash", refresh: "refresh-hash"}
	bio := "bio"
	f.m.Bio = &bio
	f.m.Roles = []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}
	create(t, s, f.m)
	f.sess = createSession(t, s, f.m.ID, t0)
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, c := range []auth.Credential{
			{Hash: f.access, Kind: auth.CredAccess, SessionID: f.sess.ID, Via: "openapi", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
			{Hash: f.refresh, Kind: auth.CredRefresh, SessionID: f.sess.ID, Via: "openapi", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	f.warm(t, s)
	return f
}

// warm reads everything the cache keeps, so the next reads are hits.
func (f cacheFixture) warm(t *testing.T, s *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.CredentialByHash(ctx, f.access); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CredentialByHash(ctx, f.refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByID(ctx, f.sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MemberByID(ctx, f.m.ID); err != nil {
		t.Fatal(err)
	}
}

func TestCacheKeepsTheRequestLookups(t *testing.T) {
	s := mustOpen(t)
	f := newCacheFixture(t, s)
	for _, c := range []struct {
		kind string
		key  any
		want bool
	}{
		{"credential", f.access, true},
		{"credential", f.refresh, false}, // only access tokens are kept
		{"session", f.sess.ID, true},
		{"member", f.m.ID, true},
	} {
		if got := sqlite.Cached(s, c.kind, c.key); got != c.want {
			t.Errorf("Cached(%s %v) = %v, want %v", c.kind, c.key, got, c.want)
		}
	}
	// A hit answers what the database holds.
	ctx := context.Background()
	m, err := s.MemberByID(ctx, f.m.ID)
	if err != nil || m.Email != "cache@example.com" || len(m.Roles) != 1 || m.Roles[0].Role != auth.RoleMaker || *m.Bio != "bio" {
		t.Errorf("cached MemberByID = %+v, %v", m, err)
	}
	// Misses are not remembered: a row created later is found.
	if _, err := s.SessionByID(ctx, f.sess.ID+1); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("unknown session: %v", err)
	}
	later := createSession(t, s, f.m.ID, t0)
	if got, err := s.SessionByID(ctx, later.ID); err != nil || got.ID != later.ID {
		t.Errorf("session created after a miss: %+v, %v", got, err)
	}
}

// Every change committed through this store is seen by the next read.
func TestCacheSeesEveryCommitAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(tx auth.Tx, f cacheFixture) error
		check  func(s *sqlite.Store, f cacheFixture) bool // true when the change shows
	}{
		{"revoke session", func(tx auth.Tx, f cacheFixture) error { return tx.RevokeSession(ctx, f.sess.ID, t0) },
			func(s *sqlite.Store, f cacheFixture) bool {
				got, err := s.SessionByID(ctx, f.sess.ID)
				return err == nil && got.RevokedAt != nil
			}},
		{"revoke access token", func(tx auth.Tx, f cacheFixture) error { return tx.RevokeCredential(ctx, f.access, t0) },
			func(s *sqlite.Store, f cacheFixture) bool {
				got, err := s.CredentialByHash(ctx, f.access)
				return err == nil && got.RevokedAt != nil
			}},
		{"suspend member", func(tx auth.Tx, f cacheFixture) error {
			m := *f.m
			m.Status = auth.StatusSuspended
			return tx.UpdateMember(ctx, m)
		}, func(s *sqlite.Store, f cacheFixture) bool {
			got, err := s.MemberByID(ctx, f.m.ID)
			return err == nil && got.Status == auth.StatusSuspended
		}},
		{"change roles", func(tx auth.Tx, f cacheFixture) error {
			return tx.SetRoles(ctx, f.m.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleAdmin}})
		}, func(s *sqlite.Store, f cacheFixture) bool {
			got, err := s.MemberByID(ctx, f.m.ID)
			return err == nil && got.HasRole(auth.RoleAdmin) && !got.HasRole(auth.RoleMaker)
		}},
		{"delete member", func(tx auth.Tx, f cacheFixture) error { return tx.DeleteMember(ctx, f.m.ID) },
			func(s *sqlite.Store, f cacheFixture) bool {
				_, errM := s.MemberByID(ctx, f.m.ID)
				_, errS := s.SessionByID(ctx, f.sess.ID)
				_, errC := s.CredentialByHash(ctx, f.access)
				return auth.ErrorCode(errM) == auth.ENOTFOUND && auth.ErrorCode(errS) == auth.ENOTFOUND &&
					auth.ErrorCode(errC) == auth.ENOTFOUND
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustOpen(t)
			f := newCacheFixture(t, s)
			if c.check(s, f) {
				t.Fatal("the change shows before it is made")
			}
			mustUpdate(t, s, func(tx auth.Tx) error { return c.change(tx, f) })
			if sqlite.Cached(s, "session", f.sess.ID) || sqlite.Cached(s, "member", f.m.ID) {
				t.Error("a commit left entries in the cache")
			}
			if !c.check(s, f) {
				t.Error("the read after the commit does not show the change")
			}
		})
	}
}

// A change made by another connection to the same file (a second server,
// or the `gatehouse member` commands beside a running server) is seen by
// the very next lookup, even one that the cache served a moment before.
func TestCacheSeesOtherConnectionsAtOnce(t *testing.T) {
	t.Run("wal-index header", func(t *testing.T) { testSeesOtherConnections(t, false) })
	t.Run("PRAGMA data_version", func(t *testing.T) { testSeesOtherConnections(t, true) })
}

func testSeesOtherConnections(t *testing.T, pragmaOnly bool) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := mustOpenAt(t, path)
	if pragmaOnly {
		sqlite.UsePragmaOnly(s)
	}
	other := mustOpenAt(t, path)
	ctx := context.Background()
	f := newCacheFixture(t, s)
	f.warm(t, s)
	if !sqlite.Cached(s, "session", f.sess.ID) {
		t.Fatal("the session is not cached: the test would not test the cache")
	}
	mustUpdate(t, other, func(tx auth.Tx) error { return tx.RevokeSession(ctx, f.sess.ID, t0) })
	got, err := s.SessionByID(ctx, f.sess.ID)
	if err != nil || got.RevokedAt == nil {
		t.Fatalf("the other connection's revocation is unseen: %+v, %v", got, err)
	}
	// Raw SQL on another pool counts as well.
	f.warm(t, s)
	if _, err := sqlite.WriterDB(other).Exec(`UPDATE members SET status = 'suspended' WHERE id = ?`, f.m.ID); err != nil {
		t.Fatal(err)
	}
	if m, err := s.MemberByID(ctx, f.m.ID); err != nil || m.Status != auth.StatusSuspended {
		t.Fatalf("raw update unseen: %+v, %v", m, err)
	}
}

// Changing a value the cache handed out changes nothing cached.
func TestCacheHandsOutCopies(t *testing.T) {
	s := mustOpen(t)
	f := newCacheFixture(t, s)
	ctx := context.Background()
	m, err := s.MemberByID(ctx, f.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.Roles[0].Role = auth.RoleOwner
	*m.Bio = "changed"
	m.Roles = append(m.Roles, auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleAdmin})
	again, err := s.MemberByID(ctx, f.m.ID)
	if err != nil || len(again.Roles) != 1 || again.Roles[0].Role != auth.RoleMaker || *again.Bio != "bio" {
		t.Errorf("a caller's change reached the cache: %+v, %v", again, err)
	}
	if !sqlite.Cached(s, "member", f.m.ID) {
		t.Error("the second read was not a hit")
	}
}

// However many distinct rows are read, the cache stays within its bound.
func TestCacheIsBounded(t *testing.T) {
	s := mustOpen(t)
	sqlite.SetCacheCap(s, 8)
	m := create(t, s, newMember("a@example.com", ""))
	ctx := context.Background()
	// Nothing is written between these reads: they fill the cache.
	var ids []int64
	mustUpdate(t, s, func(tx auth.Tx) error {
		for range 20 {
			sess := &auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
			ids = append(ids, sess.ID)
		}
		return nil
	})
	for _, id := range ids {
		if _, err := s.SessionByID(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := sqlite.CacheLen(s); n > 8 || n == 0 {
			t.Fatalf("cache holds %d sessions, want 1..8", n)
		}
	}
}

// Readers racing a revocation never see the session alive once the
// revoking Update has returned (run under -race).
func TestCacheRevocationRacingReaders(t *testing.T) {
	s := mustOpen(t)
	f := newCacheFixture(t, s)
	ctx := context.Background()
	var revoked atomic.Bool
	var stale atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load() // read before the lookup starts
				got, err := s.SessionByID(ctx, f.sess.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if after && got.RevokedAt == nil {
					stale.Add(1)
				}
				if _, err := s.MemberByID(ctx, f.m.ID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeSession(ctx, f.sess.ID, t0) })
	revoked.Store(true)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Errorf("%d reads after the revocation returned saw the session alive", n)
	}
}
