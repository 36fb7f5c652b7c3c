package sqlite

import (
	"context"
	"database/sql"

	"gatehouse/internal/auth"
)

// WriterDB exposes the writer pool to the black-box tests (raw SQL checks,
// pool stats).
func WriterDB(s *Store) *sql.DB { return s.writer }

// ReaderDB exposes the read-only pool to the black-box tests.
func ReaderDB(s *Store) *sql.DB { return s.reader }

// AuditSQL is ListAudit's statement and arguments, for EXPLAIN QUERY PLAN.
var AuditSQL = auditSQL

// AuditPrefixSQL is ListAudit's statement for an action prefix.
func AuditPrefixSQL(ctx context.Context, s *Store, q auth.AuditQuery) (string, []any, error) {
	return queries{q: s.reader}.auditPrefixSQL(ctx, q)
}

// MigrateTo applies the migrations up to version upTo only.
func MigrateTo(ctx context.Context, s *Store, upTo int64) (int, error) { return s.migrateTo(ctx, upTo) }

// Cached reports whether the read cache would serve key ("credential":
// a hash, "session" or "member": an id) without SQL.
func Cached(s *Store, kind string, key any) bool {
	c := s.cache
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loaded != c.gen.Load() {
		return false
	}
	var ok bool
	switch kind {
	case "credential":
		_, ok = c.creds[key.(string)]
	case "session":
		_, ok = c.session[key.(int64)]
	case "member":
		_, ok = c.members[key.(int64)]
	}
	return ok
}

// CacheLen returns how many sessions the read cache holds.
func CacheLen(s *Store) int {
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return len(s.cache.session)
}

// SetCacheCap changes the per-map bound of the read cache.
func SetCacheCap(s *Store, n int) { s.cache.max = n }

// UsePragmaOnly makes the read cache detect other processes' commits with
// PRAGMA data_version alone, as where the -shm header cannot be mapped.
func UsePragmaOnly(s *Store) { s.cache.wal = nil }

// Commits counts the writer transactions committed so far (group commit:
// one per batch of Updates).
func Commits(s *Store) int64 { return s.group.commits.Load() }

// Queued counts the Updates waiting for the writer.
func Queued(s *Store) int { return len(s.group.jobs) }

// SetRestartFrames lowers the WAL length that makes the writer restart it.
func SetRestartFrames(n int64) (undo func()) {
	old := restartFrames
	restartFrames = n
	return func() { restartFrames = old }
}

// Restarts counts the WAL restarts the writer made.
func Restarts(s *Store) int64 { return s.group.restarts.Load() }
