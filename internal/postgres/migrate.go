package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema history. A migration is NNNN_name.sql; its
// version is NNNN. Never edit an applied migration: add the next number.
// The numbers are this engine's own: 0001 is the SQLite store's schema up
// to its 0007.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations ordered by version.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int64]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad version %q", base, num)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migration %s: version %d already used by %s", base, v, prev)
		}
		seen[v] = base
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrateLock is the advisory lock key every node takes while it
// migrates, so that nodes starting together apply each migration once and
// a node never sees a half-migrated schema ("gatehouse" in ASCII).
const migrateLock = 0x6761746568

// Migrate applies the embedded migrations that schema_migrations does not
// list yet, each in its own transaction together with its
// schema_migrations row, and returns how many it applied. The whole run
// holds a session advisory lock: a second node calling Migrate at the same
// time waits, then finds nothing left to do.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	return s.migrateTo(ctx, 0)
}

// migrateTo is Migrate stopping after version upTo (0: no limit).
func (s *Store) migrateTo(ctx context.Context, upTo int64) (applied int, err error) {
	migs, err := loadMigrations()
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	// The advisory lock belongs to a session: hold one connection for the
	// whole run.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return 0, fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	// Unlocked with a fresh context: ctx may be what ended the run.
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range migs {
		if upTo > 0 && m.version > upTo {
			break
		}
		did, err := applyOne(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("postgres: migrate %s: %w", m.name, err)
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

// applyOne runs m and records it in one transaction, unless it is
// recorded already. PostgreSQL's DDL is transactional, so a failing
// migration leaves nothing behind.
func applyOne(ctx context.Context, conn *sql.Conn, m migration) (bool, error) {
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer t.Rollback()
	var n int
	if err := t.QueryRowContext(ctx,
		`SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := t.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := t.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.version, toMillis(now())); err != nil {
		return false, err
	}
	return true, t.Commit()
}
