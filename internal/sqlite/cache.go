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
// therefore seen by the very next request. Commits by another process (the
// `gatehouse member …` commands run beside a live server) are detected
// through PRAGMA data_version, which a hit checks at most every
// externalCheck: such a change reaches the cache within that bound.
//
// Loads race commits safely: the generation is read before the query, so a
// row read just before a commit is filed under the old generation and never
// served.

// externalCheck bounds how long a change committed by another process may
// go unseen by cache hits.
const externalCheck = 50 * time.Millisecond

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
	watch     *sql.DB
	checkMu   sync.Mutex
	lastCheck atomic.Int64 // unix nanoseconds
	version   int64        // guarded by checkMu
}

func newReadCache(watch *sql.DB) *readCache {
	c := &readCache{watch: watch, max: cacheCap}
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
// since the last check, checking at most every externalCheck.
func (c *readCache) checkExternal(ctx context.Context) {
	if time.Now().UnixNano()-c.lastCheck.Load() < int64(externalCheck) {
		return
	}
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	started := time.Now().UnixNano()
	if started-c.lastCheck.Load() < int64(externalCheck) {
		return // another request checked while this one waited
	}
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
	c.lastCheck.Store(started)
}

func (c *readCache) credential(ctx context.Context, hash string) (auth.Credential, uint64, bool) {
	g := c.current(ctx)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loaded != g {
		return auth.Credential{}, g, false
	}
	v, ok := c.creds[hash]
	return cloneCredential(v), g, ok
}

func (c *readCache) sessionByID(ctx context.Context, id int64) (auth.Session, uint64, bool) {
	g := c.current(ctx)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loaded != g {
		return auth.Session{}, g, false
	}
	v, ok := c.session[id]
	return cloneSession(v), g, ok
}

func (c *readCache) member(ctx context.Context, id int64) (auth.Member, uint64, bool) {
	g := c.current(ctx)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loaded != g {
		return auth.Member{}, g, false
	}
	v, ok := c.members[id]
	return cloneMember(v), g, ok
}

// store files one loaded row under generation g, unless g is already over.
func (c *readCache) store(g uint64, put func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g != c.gen.Load() {
		return
	}
	if c.loaded != g {
		c.reset(g)
	}
	if len(c.creds) >= c.max || len(c.session) >= c.max || len(c.members) >= c.max {
		c.reset(g)
	}
	put()
}

// CredentialByHash is the cached queries.CredentialByHash. Only access
// tokens are kept: they are what requests carry, and other kinds (refresh,
// grants) are read once per use inside a writing transaction anyway.
func (s *Store) CredentialByHash(ctx context.Context, hash string) (auth.Credential, error) {
	v, g, ok := s.cache.credential(ctx, hash)
	if ok {
		return v, nil
	}
	v, err := s.queries.CredentialByHash(ctx, hash)
	if err == nil && v.Kind == auth.CredAccess {
		s.cache.store(g, func() { s.cache.creds[hash] = cloneCredential(v) })
	}
	return v, err
}

// SessionByID is the cached queries.SessionByID.
func (s *Store) SessionByID(ctx context.Context, id int64) (auth.Session, error) {
	v, g, ok := s.cache.sessionByID(ctx, id)
	if ok {
		return v, nil
	}
	v, err := s.queries.SessionByID(ctx, id)
	if err == nil {
		s.cache.store(g, func() { s.cache.session[id] = cloneSession(v) })
	}
	return v, err
}

// MemberByID is the cached queries.MemberByID.
func (s *Store) MemberByID(ctx context.Context, id int64) (auth.Member, error) {
	v, g, ok := s.cache.member(ctx, id)
	if ok {
		return v, nil
	}
	v, err := s.queries.MemberByID(ctx, id)
	if err == nil {
		s.cache.store(g, func() { s.cache.members[id] = cloneMember(v) })
	}
	return v, err
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
