// Package postgres implements auth.Store (and the outbox worker's Queue) on
// PostgreSQL, for several Gatehouse nodes sharing one database.
//
// The SQL is the SQLite store's (internal/sqlite), written with "?"
// placeholders that rebind turns into PostgreSQL's "$n". Where SQLite
// relied on its single writer (a read followed by a write inside one
// Update: the lockout counters, refresh rotation, UseToken/UseCredential,
// AdvanceMFAStep), every Update here runs SERIALIZABLE and is retried when
// PostgreSQL aborts it for a conflict with a concurrent transaction, so the
// outcome is one that some serial order of the transactions would give.
// Times are BIGINT unix milliseconds in UTC, as in SQLite.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"gatehouse/internal/auth"
)

// Options configures Open.
type Options struct {
	// PayloadKey is the 32-byte AES-256-GCM key that seals outbox payloads
	// and secret columns. Every node must use the same key (ParseKey,
	// LoadOrCreateKey). It is required.
	PayloadKey []byte
	// MaxConns caps the connection pool; 0 means 16.
	MaxConns int
}

// Store is the PostgreSQL implementation of auth.Store and outbox.Queue.
type Store struct {
	queries
	db *sql.DB
	// cache serves the per-request lookups (cache.go); every committed
	// Update on any node invalidates it.
	cache *readCache
}

var (
	_ auth.Store = (*Store)(nil)
	_ auth.Tx    = (*tx)(nil)
)

// queryer is what *sql.DB and *sql.Tx have in common, with "?"
// placeholders rebound for PostgreSQL (see rebound).
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rebound wraps a *sql.DB or *sql.Tx and rebinds every statement.
type rebound struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
}

func (r rebound) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, rebind(query), args...)
}

func (r rebound) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, rebind(query), args...)
}

func (r rebound) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, rebind(query), args...)
}

// rebindCache holds each statement's rebound text: the statements are
// constants, so the map stays small.
var rebindCache sync.Map

// rebind turns SQLite placeholders into PostgreSQL's: "?N" becomes "$N"
// and a bare "?" the next number. Quoted text ('…', "…") is left alone.
func rebind(query string) string {
	if v, ok := rebindCache.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("$" + query[i+1:j])
				i = j - 1
			} else {
				n++
				fmt.Fprintf(&b, "$%d", n)
			}
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebindCache.Store(query, out)
	return out
}

// queries runs the read statements of auth.Reader against either the pool
// (Store) or a writing transaction (tx); key opens sealed values.
type queries struct {
	q   queryer
	key []byte
	// lockCredentials makes CredentialByHash lock the row it reads (an
	// auth.RowLocked Update).
	lockCredentials bool
}

// Open connects to the database at url (postgres://…). It does not
// migrate; call Migrate.
func Open(url string, opts Options) (*Store, error) {
	if len(opts.PayloadKey) != keySize {
		return nil, fmt.Errorf("postgres: payload key must be %d bytes, got %d", keySize, len(opts.PayloadKey))
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	key := make([]byte, keySize)
	copy(key, opts.PayloadKey)
	s := &Store{queries: queries{q: rebound{db}, key: key}, db: db}
	s.cache = newReadCache(func(ctx context.Context) (int64, error) {
		var v int64
		// last_value of a sequence never advanced is 1 with is_called
		// false; either way a change means a commit somewhere.
		err := db.QueryRowContext(ctx, `SELECT last_value FROM cache_epoch`).Scan(&v)
		return v, err
	})
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// maxAttempts bounds the runs of a transaction that PostgreSQL aborted
// for a serialization failure or a deadlock. Many concurrent requests that
// each read a range and insert into it (the forgot-password limits read
// recent outbox rows, then add one) abort each other often under
// SERIALIZABLE: 100 requests at once over three nodes exhausted 10 runs.
const maxAttempts = 40

// Update runs fn in one SERIALIZABLE transaction and commits when fn
// returns nil; otherwise it rolls back and returns fn's error. When
// PostgreSQL aborts the transaction because a concurrent one conflicted
// with it, fn runs again from the start on a fresh transaction, so fn
// must keep no state across calls other than what it recomputes (it is
// short and free of network I/O, as for the SQLite store).
//
// An Update the domain marked auth.RowLocked runs at READ COMMITTED
// instead, and every credential it reads is locked FOR UPDATE: two
// rotations of one refresh token queue on its row rather than abort each
// other, and unrelated rotations no longer abort each other through the
// index pages SERIALIZABLE watches (internal/auth/rowlocks.go).
func (s *Store) Update(ctx context.Context, fn func(auth.Tx) error) error {
	level, lock := sql.LevelSerializable, auth.RowLocked(ctx)
	if lock {
		level = sql.LevelReadCommitted
	}
	err := s.retry(ctx, level, func(q queryer) error {
		return fn(&tx{queries: queries{q: q, key: s.key, lockCredentials: lock}})
	})
	if err == nil {
		s.advanceEpoch(ctx)
	}
	return err
}

// write runs fn in its own READ COMMITTED transaction (for the Queue
// methods, whose row locks do the work: see claim), retried on deadlock.
func (s *Store) write(ctx context.Context, fn func(q queryer) error) error {
	return s.retry(ctx, sql.LevelReadCommitted, fn)
}

func (s *Store) retry(ctx context.Context, level sql.IsolationLevel, fn func(q queryer) error) error {
	for attempt := 1; ; attempt++ {
		err := s.once(ctx, level, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		// A short, growing, random pause lets the transaction that won
		// finish, and keeps the losers from retrying in lockstep.
		ceiling := min(attempt*attempt, 50)
		pause := time.Duration(1+rand.IntN(ceiling)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) once(ctx context.Context, level sql.IsolationLevel, fn func(q queryer) error) error {
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: level})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	// Also runs while a panic unwinds; the panic itself goes on.
	defer sqlTx.Rollback()
	if err := fn(rebound{sqlTx}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable reports a serialization failure or a deadlock, after which
// the whole transaction may simply run again. A domain error that wraps
// one (say ENOTFOUND built from a failed statement) is not retried: the
// domain errors never wrap driver errors.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
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
		return zero, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return v, nil
}

// queryAll reads every row of query with scan (nil when there is none);
// a failure is an error of op.
func queryAll[T any](ctx context.Context, q queryer, scan func(rowScanner) (T, error), op, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return out, nil
}

// exec runs one statement of op.
func (t *tx) exec(ctx context.Context, op, query string, args ...any) error {
	if _, err := t.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}

// execOne runs one statement of op that must touch a row: none is
// ENOTFOUND (what).
func (t *tx) execOne(ctx context.Context, op, what, query string, args ...any) error {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return wrap(op, rowsAffected(res, what))
}

// insert runs the INSERT of op, which must end in "RETURNING id", and
// returns the new row's id. A failed statement keeps its driver error
// inside (isConstraint still sees it).
func (t *tx) insert(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	if err := t.q.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
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
// boundary: BIGINT unix milliseconds, UTC; a zero time is NULL.
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

// The SQLSTATE codes of the constraint violations the store maps to
// domain errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// isConstraint reports whether err is the PostgreSQL error code.
func isConstraint(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// constraintName names the constraint err violated ("" when none).
func constraintName(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// guarded runs fn under a savepoint. A failed statement aborts a whole
// PostgreSQL transaction, whereas in SQLite the transaction goes on; the
// domain may handle a conflict (ECONFLICT) and keep writing, so the
// statements that can violate a constraint in normal use roll back only
// to the savepoint.
func (t *tx) guarded(ctx context.Context, fn func() error) error {
	if _, err := t.q.ExecContext(ctx, "SAVEPOINT guarded"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := t.q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT guarded"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := t.q.ExecContext(ctx, "RELEASE SAVEPOINT guarded")
	return err
}

// guardedInsert is insert under a savepoint (see guarded).
func (t *tx) guardedInsert(ctx context.Context, op, query string, args ...any) (id int64, err error) {
	err = t.guarded(ctx, func() error {
		id, err = t.insert(ctx, op, query, args...)
		return err
	})
	return id, err
}
