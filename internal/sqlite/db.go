// Package sqlite implements auth.Store (and the outbox worker's Queue) on one
// SQLite file.
//
// The file is used through two pools, as SQLite under concurrency demands (docs/architecture.md, "Storage"): a writer
// pool of exactly one connection whose transactions all start with BEGIN
// IMMEDIATE (so a read-then-write never fails with SQLITE_BUSY_SNAPSHOT and
// the busy handler always applies), and a read-only pool of a few connections
// that WAL lets run beside the writer. Times are stored as INTEGER unix
// milliseconds in UTC.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gatehouse/internal/auth"

	sqlite3 "github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver
)

// writerDriver is "sqlite3" with the settings the DSN cannot carry, applied
// to every writer connection: no automatic checkpoint inside commits (see
// checkpoint.go) and a WAL trimmed to 64 MiB when it restarts.
const writerDriver = "sqlite3-gatehouse-writer"

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -65536", nil)
		return err
	}})
}

// Options configures Open.
type Options struct {
	// PayloadKey is the 32-byte AES-256-GCM key that seals outbox payloads
	// (see LoadOrCreateKey). It is required.
	PayloadKey []byte
	// ReadConns is the size of the read-only pool; 0 means 4.
	ReadConns int
}

// Store is the SQLite implementation of auth.Store and outbox.Queue. Its
// Reader methods use the read-only pool; Update and the Queue methods use the
// single writer connection.
type Store struct {
	queries
	writer *sql.DB
	reader *sql.DB
	// cache serves the per-request lookups (see cache.go); every commit
	// through writer invalidates it.
	cache *readCache
	// checkpoints copies the WAL into the database off the request path.
	checkpoints *checkpointer
	// group runs every writing transaction (groupcommit.go).
	group *committer
}

// Store also implements outbox.Queue; that assertion lives in
// outbox_test.go because package outbox imports views/email (templ), which
// this package must not depend on.
var (
	_ auth.Store = (*Store)(nil)
	_ auth.Tx    = (*tx)(nil)
)

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries runs the read statements of auth.Reader against either the read
// pool (Store) or a writing transaction (tx); key opens outbox payloads.
type queries struct {
	q   queryer
	key []byte
}

// Open opens (creating if needed) the database at path and its parent
// directory (0700). It does not migrate; call Migrate.
func Open(path string, opts Options) (*Store, error) {
	if len(opts.PayloadKey) != keySize {
		return nil, fmt.Errorf("sqlite: payload key must be %d bytes, got %d", keySize, len(opts.PayloadKey))
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	name := "file:" + escapePath(path)

	// The writer goes first: it creates the file and switches it to WAL,
	// which a read-only connection cannot do on a fresh file.
	writer, err := sql.Open(writerDriver, name+
		"?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=on&_synchronous=FULL")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}

	reader, err := sql.Open("sqlite3", name+"?mode=ro&_busy_timeout=5000&_foreign_keys=on&_synchronous=FULL")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	reader.SetMaxOpenConns(opts.ReadConns)
	reader.SetMaxIdleConns(opts.ReadConns)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}

	watch, err := sql.Open("sqlite3", name+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open watcher: %w", err)
	}
	watch.SetMaxOpenConns(1)
	watch.SetMaxIdleConns(1)
	watch.SetConnMaxLifetime(0)
	watch.SetConnMaxIdleTime(0)

	// The checkpointer writes the database file, so it cannot be mode=ro.
	ckpt, err := sql.Open("sqlite3", name+"?_busy_timeout=5000&_synchronous=FULL")
	if err != nil {
		watch.Close()
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ckpt.SetMaxOpenConns(1)

	key := make([]byte, keySize)
	copy(key, opts.PayloadKey)
	s := &Store{queries: queries{q: newPrepared(reader), key: key}, writer: writer, reader: reader,
		cache: newReadCache(watch, newWALHeader(path)), checkpoints: newCheckpointer(ckpt)}
	s.group = newCommitter(writer, key, s.committed, &s.checkpoints.restart)
	return s, nil
}

// escapePath makes path safe inside a file: URI, where '?' starts the query,
// '#' the fragment and '%' an escape.
func escapePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

// Close closes every pool. The others close first so that the writer, as
// the last connection, checkpoints the WAL and removes it.
func (s *Store) Close() error {
	s.group.close()
	if p, ok := s.queries.q.(*prepared); ok {
		p.close()
	}
	return errors.Join(s.checkpoints.close(), s.cache.wal.close(), s.cache.watch.Close(), s.reader.Close(), s.writer.Close())
}

// Ping checks that the database answers, through the read pool only: the
// health check must stay fast while the single writer is busy (a ping on
// the writer waits behind every write transaction), and the writer's health
// shows in every write anyway.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping reader: %w", err)
	}
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: read: %w", err)
	}
	return nil
}

// pragmaNames are the settings Pragmas reports (wal_autocheckpoint is 0 on
// the writer only).
var pragmaNames = []string{"journal_mode", "busy_timeout", "foreign_keys", "synchronous", "wal_autocheckpoint"}

// Pragmas reads journal_mode, busy_timeout, foreign_keys and synchronous
// from one connection of each pool, keyed "writer.NAME" and "reader.NAME",
// so that startup can verify the DSNs took effect (the driver ignores
// parameters it does not know). Do not call it inside Update: it needs the
// writer connection.
func (s *Store) Pragmas(ctx context.Context) (map[string]string, error) {
	out := make(map[string]string, 2*len(pragmaNames))
	for _, pool := range []struct {
		prefix string
		db     *sql.DB
	}{{"writer.", s.writer}, {"reader.", s.reader}} {
		conn, err := pool.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("sqlite: pragmas: %w", err)
		}
		for _, name := range pragmaNames {
			var v string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
				conn.Close()
				return nil, fmt.Errorf("sqlite: pragma %s: %w", name, err)
			}
			out[pool.prefix+name] = strings.ToLower(v)
		}
		conn.Close()
	}
	return out, nil
}

// Update runs fn in one writing transaction (BEGIN IMMEDIATE on the writer
// connection, shared with the other Updates waiting at that moment: see
// groupcommit.go) and returns once its writes are durable; when fn returns
// an error its writes are undone and Update returns that error. fn must not
// call the Store's own writing methods (the Queue methods, Pragmas): the
// single writer connection is busy with fn. Keep fn short and free of
// network I/O.
func (s *Store) Update(ctx context.Context, fn func(auth.Tx) error) error {
	return s.group.do(ctx, fn)
}

// write runs fn in a writer transaction like Update (for the Queue methods).
func (s *Store) write(ctx context.Context, fn func(q queryer) error) error {
	return s.group.do(ctx, func(t auth.Tx) error { return fn(t.(*tx).q) })
}

// committed follows every commit through the writer.
func (s *Store) committed() {
	s.cache.invalidate()
	s.checkpoints.committed()
}

// tx is one Update transaction; it implements auth.Tx.
type tx struct {
	queries
}

// rowScanner is a *sql.Row or *sql.Rows, as the scanX functions take it.
type rowScanner = interface{ Scan(...any) error }

// scanInt reads a row of one integer (a count, a counter's new value).
func scanInt(row rowScanner) (int, error) {
	var n int
	err := row.Scan(&n)
	return n, err
}

// queryOne reads the one row of query with scan: no row is ENOTFOUND
// (what), any other failure an error of op.
func queryOne[T any](ctx context.Context, q queryer, scan func(rowScanner) (T, error), op, what, query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, notFound(what)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return v, nil
}

// queryAll reads every row of query with scan (nil when there is none);
// a failure is an error of op.
func queryAll[T any](ctx context.Context, q queryer, scan func(rowScanner) (T, error), op, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return out, nil
}

// exec runs one statement of op.
func (t *tx) exec(ctx context.Context, op, query string, args ...any) error {
	if _, err := t.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
}

// execOne runs one statement of op that must touch a row: none is
// ENOTFOUND (what).
func (t *tx) execOne(ctx context.Context, op, what, query string, args ...any) error {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return wrap(op, rowsAffected(res, what))
}

// insert runs the INSERT of op and returns the new row's id. A failed
// statement keeps its driver error inside (isConstraint still sees it).
func (t *tx) insert(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return id, nil
}

// notFound is the ENOTFOUND error for a missing thing ("Member", "Session").
func notFound(what string) error {
	return &auth.Error{Code: auth.ENOTFOUND, Message: what + " not found."}
}

// rowsAffected returns ENOTFOUND (what) when res touched no row.
func rowsAffected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

// toMillis and the helpers below are the one place times cross the SQL
// boundary: INTEGER unix milliseconds, UTC; a zero time is NULL.
func toMillis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullMillis maps the zero time to NULL.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// ptrMillis maps a nil time to NULL.
func ptrMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// timeOrZero maps NULL to the zero time.
func timeOrZero(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMillis(v.Int64)
}

// timePtr maps NULL to nil.
func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMillis(v.Int64)
	return &t
}

// nullID maps the id 0 ("none") to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// now is the store's own clock, used only when a caller leaves a required
// timestamp zero; the domain normally passes its injected clock's time.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
