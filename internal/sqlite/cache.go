package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/auth"
)

// The read cache serves the three lookups every authenticated request makes
// (CredentialByHash for access tokens, SessionByID, MemberByID) from memory,
// so that a bearer request costs no SQL at all while nothing changes.
//
// It is never stale with respect to this process: every entry remembers the
// generation it was loaded in, and every commit through the writer (Update,
// the Queue methods, migrations) starts a new generation before it returns,
// which empties the cache. A revocation, suspension or role change is
// therefore seen by the very next request. Commits by another process (a
// second server on the same file, or the `gatehouse member …` commands run
// beside a live server) are detected before every lookup: by comparing the
// WAL index header in the -shm file, which every commit of every process
// updates (shm_unix.go; a memory read), or where that cannot be read by
// PRAGMA data_version, asked by a check that started after the lookup did
// (concurrent lookups share one). Either way a change another process
// committed before a request arrived is seen by that request.
//
// Loads race commits safely: the generation is read before the query, so a
// row read just before a commit is filed under the old generation and never
// served.

// cacheCap bounds each map; a full map starts over (the cheapest eviction,
// and a storm of distinct tokens cannot grow memory).
const cacheCap = 16384

type readCache struct {
	gen atomic.Uint64
	max int // entries per map; cacheCap

	mu      sync.RWMutex
	loaded  uint64 // the generation the maps below belong to
	creds   map[string]auth.Credential
	session map[int64]auth.Session
	members map[int64]auth.Member

	// watch is a one-connection read-only pool for PRAGMA data_version,
	// which compares against earlier answers of the same connection.
	watch   *sql.DB
	wal     *walHeader // nil: PRAGMA data_version only
	checkMu sync.Mutex
	started atomic.Uint64 // checks started so far
	done    uint64        // the number of the last check that succeeded; guarded by checkMu
	version int64         // guarded by checkMu
}

func newReadCache(watch *sql.DB, wal *walHeader) *readCache {
	c := &readCache{watch: watch, wal: wal, max: cacheCap}
	c.reset(0)
	return c
}

// reset empties the maps for generation g; callers hold mu.
func (c *readCache) reset(g uint64) {
	c.loaded = g
	c.creds = make(map[string]auth.Credential)
	c.session = make(map[int64]auth.Session)
	c.members = make(map[int64]auth.Member)
}

// invalidate starts a new generation: nothing loaded before is served again.
func (c *readCache) invalidate() { c.gen.Add(1) }

// current returns the generation a load starting now belongs to, after
// making sure changes by other processes have been noticed.
func (c *readCache) current(ctx context.Context) uint64 {
	c.checkExternal(ctx)
	return c.gen.Load()
}

// checkExternal invalidates the cache when another connection committed
// since the last check. A check that started after this call began vouches
// for it; otherwise it runs one (the waiters behind it share it).
func (c *readCache) checkExternal(ctx context.Context) {
	if c.wal != nil {
		if changed, ok := c.wal.changed(); ok {
			if changed {
				c.invalidate()
			}
			return
		}
	}
	arrived := c.started.Load()
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	if c.done > arrived {
		return // a check that started after this call finished meanwhile
	}
	n := c.started.Add(1)
	var v int64
	if err := c.watch.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil || v != c.version {
		// A failed check cannot vouch for the cache: start over, and
		// check again next time.
		c.invalidate()
		if err != nil {
			return
		}
		c.version = v
	}
	c.done = n
}

// cached answers key from the map pick selects, or loads it and, when keep
// approves, files a copy under the generation current before the load.
func cached[K comparable, V any](ctx context.Context, c *readCache, pick func(*readCache) map[K]V,
	key K, clone func(V) V, load func() (V, error), keep func(V) bool) (V, error) {
	g := c.current(ctx)
	c.mu.RLock()
	v, ok := pick(c)[key]
	ok = ok && c.loaded == g
	c.mu.RUnlock()
	if ok {
		return clone(v), nil
	}
	v, err := load()
	if err != nil || !keep(v) {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if g != c.gen.Load() {
		return v, nil // a commit came in between: the row may be old
	}
	if c.loaded != g || len(c.creds) >= c.max || len(c.session) >= c.max || len(c.members) >= c.max {
		c.reset(g)
	}
	pick(c)[key] = clone(v)
	return v, nil
}

func always[V any](V) bool { return true }

// CredentialByHash is the cached queries.CredentialByHash. Only access
// tokens are kept: they are what requests carry, and other kinds (refresh,
// grants) are read once per use inside a writing transaction anyway.
func (s *Store) CredentialByHash(ctx context.Context, hash string) (auth.Credential, error) {
	return cached(ctx, s.cache, func(c *readCache) map[string]auth.Credential { return c.creds }, hash, cloneCredential,
		func() (auth.Credential, error) { return s.queries.CredentialByHash(ctx, hash) },
		func(v auth.Credential) bool { return v.Kind == auth.CredAccess })
}

// SessionByID is the cached queries.SessionByID.
func (s *Store) SessionByID(ctx context.Context, id int64) (auth.Session, error) {
	return cached(ctx, s.cache, func(c *readCache) map[int64]auth.Session { return c.session }, id, cloneSession,
		func() (auth.Session, error) { return s.queries.SessionByID(ctx, id) }, always[auth.Session])
}

// MemberByID is the cached queries.MemberByID.
func (s *Store) MemberByID(ctx context.Context, id int64) (auth.Member, error) {
	return cached(ctx, s.cache, func(c *readCache) map[int64]auth.Member { return c.members }, id, cloneMember,
		func() (auth.Member, error) { return s.queries.MemberByID(ctx, id) }, always[auth.Member])
}

// The clones keep callers from changing a cached value through a pointer or
// a shared slice.

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

func cloneCredential(c auth.Credential) auth.Credential {
	c.UsedAt, c.RotatedAt, c.RevokedAt = cloneTime(c.UsedAt), cloneTime(c.RotatedAt), cloneTime(c.RevokedAt)
	return c
}

func cloneSession(s auth.Session) auth.Session {
	s.RevokedAt = cloneTime(s.RevokedAt)
	return s
}

func cloneMember(m auth.Member) auth.Member {
	if m.Bio != nil {
		b := *m.Bio
		m.Bio = &b
	}
	if m.Roles != nil {
		m.Roles = append([]auth.RoleGrant(nil), m.Roles...)
	}
	return m
}
