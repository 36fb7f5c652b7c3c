package postgres

import (
	"context"
	"database/sql"
)

// Raw runs SQL written with SQLite's "?" placeholders on the pool, for the
// black-box tests (internal/storetest).
type Raw struct{ db *sql.DB }

func RawDB(s *Store) Raw { return Raw{s.db} }

func (r Raw) Exec(query string, args ...any) (sql.Result, error) {
	return r.db.Exec(rebind(query), args...)
}

func (r Raw) Query(query string, args ...any) (*sql.Rows, error) {
	return r.db.Query(rebind(query), args...)
}

func (r Raw) QueryRow(query string, args ...any) *sql.Row {
	return r.db.QueryRow(rebind(query), args...)
}

// MigrateTo applies the migrations up to version upTo only.
func MigrateTo(ctx context.Context, s *Store, upTo int64) (int, error) { return s.migrateTo(ctx, upTo) }

// Rebind exposes rebind to its test.
var Rebind = rebind

// Cached reports whether the read cache holds the session id for the
// current generation (without checking the epoch).
func CachedSession(s *Store, id int64) bool {
	c := s.cache
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.session[id]
	return ok && c.loaded == c.gen.Load()
}

// MaxAge is how long a cached entry may be served at most.
const MaxAge = maxAge
