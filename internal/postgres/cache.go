package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/auth"
)

// The read cache serves the three lookups every authenticated request makes
// (CredentialByHash for access tokens, SessionByID, MemberByID) from
// memory, as the SQLite store's does, so that a token check costs one small
// query shared by concurrent requests instead of three.
//
// Several nodes write the same database, so the cache must learn of every
// node's commits. Each node advances the cache_epoch sequence right after
// an Update commits and before the caller sees the commit (migration
// 0004_cache_epoch.sql). Before every lookup a node reads the epoch, with
// a read that started after the lookup did (concurrent lookups share one);
// a changed epoch empties the cache. So a revocation acknowledged by any
// node is seen by every node's next request:
//
//   - a row loaded before the writer's commit became visible was filed
//     under the epoch current then; the writer advances the epoch after its
//     commit and before it answers, so a request arriving after the answer
//     finds a newer epoch and reloads;
//   - sequences are not transactional, so advancing the epoch never makes
//     a transaction conflict with another.
//
// A node that dies between its commit and the advance leaves other nodes'
// entries stale until the next write anywhere; maxAge bounds that case.

// maxAge is how long any cached entry may be served at most.
const maxAge = time.Second

// cacheCap bounds each map; a full map starts over.
const cacheCap = 16384

type readCache struct {
	gen atomic.Uint64 // local generation: bumped when the epoch changes

	mu       sync.RWMutex
	loaded   uint64    // the generation the maps below belong to
	loadedAt time.Time // when the maps were started
	creds    map[string]auth.Credential
	session  map[int64]auth.Session
	members  map[int64]auth.Member

	epoch   func(ctx context.Context) (int64, error) // reads cache_epoch
	checkMu sync.Mutex
	started atomic.Uint64 // epoch reads started so far
	done    uint64        // the number of the last read that succeeded; guarded by checkMu
	last    int64         // the epoch it read; guarded by checkMu
}

func newReadCache(epoch func(ctx context.Context) (int64, error)) *readCache {
	c := &readCache{epoch: epoch}
	c.reset(0)
	return c
}

// reset empties the maps for generation g; callers hold mu.
func (c *readCache) reset(g uint64) {
	c.loaded, c.loadedAt = g, time.Now()
	c.creds = make(map[string]auth.Credential)
	c.session = make(map[int64]auth.Session)
	c.members = make(map[int64]auth.Member)
}

// invalidate starts a new generation: nothing loaded before is served again.
func (c *readCache) invalidate() { c.gen.Add(1) }

// current returns the generation a lookup starting now may use, after an
// epoch read that started after this call began. ok is false when the
// epoch could not be read: the caller must not use or fill the cache.
func (c *readCache) current(ctx context.Context) (g uint64, ok bool) {
	arrived := c.started.Load()
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	if c.done > arrived {
		return c.gen.Load(), true // a read that started after this call vouches
	}
	n := c.started.Add(1)
	v, err := c.epoch(ctx)
	if err != nil {
		c.invalidate()
		return 0, false
	}
	if v != c.last {
		c.invalidate()
		c.last = v
	}
	c.done = n
	return c.gen.Load(), true
}

// cached answers key from the map pick selects, or loads it and, when keep
// approves, files a copy under the generation current before the load.
func cached[K comparable, V any](ctx context.Context, c *readCache, pick func(*readCache) map[K]V,
	key K, clone func(V) V, load func() (V, error), keep func(V) bool) (V, error) {
	g, ok := c.current(ctx)
	if !ok {
		return load()
	}
	c.mu.RLock()
	v, hit := pick(c)[key]
	hit = hit && c.loaded == g && time.Since(c.loadedAt) < maxAge
	c.mu.RUnlock()
	if hit {
		return clone(v), nil
	}
	v, err := load()
	if err != nil || !keep(v) {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if g != c.gen.Load() {
		return v, nil // the epoch moved meanwhile: the row may be old
	}
	if c.loaded != g || time.Since(c.loadedAt) >= maxAge ||
		len(c.creds) >= cacheCap || len(c.session) >= cacheCap || len(c.members) >= cacheCap {
		c.reset(g)
	}
	pick(c)[key] = clone(v)
	return v, nil
}

func always[V any](V) bool { return true }

// CredentialByHash is the cached queries.CredentialByHash. Only access
// tokens are kept: they are what requests carry.
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

// advanceEpoch tells every node's cache that an Update committed. A failure
// leaves other nodes' entries at most maxAge old; the commit stands.
func (s *Store) advanceEpoch(ctx context.Context) {
	s.cache.invalidate()
	var v int64
	_ = s.db.QueryRowContext(context.WithoutCancel(ctx), `SELECT nextval('cache_epoch')`).Scan(&v)
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
