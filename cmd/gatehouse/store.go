package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	pgstorage "github.com/gofiber/storage/postgres/v3"
	storage "github.com/gofiber/storage/sqlite3/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver

	"gatehouse/internal/auth"
	"gatehouse/internal/outbox"
	"gatehouse/internal/postgres"
	"gatehouse/internal/sqlite"
	"gatehouse/internal/webhook"
)

// store is what the commands need of either engine.
type store interface {
	auth.Store
	outbox.Queue
	webhook.Queue
	Ping(ctx context.Context) error
	// CheckSchema fails unless every migration of this build is applied.
	CheckSchema(ctx context.Context) error
	Close() error
}

// dbStats is what /metrics reads from either engine at a scrape.
type dbStats struct {
	OutboxDepth    int64
	OutboxOldest   time.Time
	SessionsActive int64
}

// storeStats reads the scrape figures from whichever engine st is.
func storeStats(ctx context.Context, st store, now time.Time) (dbStats, error) {
	switch s := st.(type) {
	case *sqlite.Store:
		v, err := s.Stats(ctx, now)
		return dbStats(v), err
	case *postgres.Store:
		v, err := s.Stats(ctx, now)
		return dbStats(v), err
	}
	return dbStats{}, fmt.Errorf("no statistics for %T", st)
}

// isPostgres reports whether GATEHOUSE_DB names a PostgreSQL database
// rather than a SQLite file.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens and migrates the main database: SQLite (the default) or
// PostgreSQL when GATEHOUSE_DB is a postgres:// URL.
func openStore(ctx context.Context, cfg Config) (store, error) {
	if isPostgres(cfg.DB) {
		return openPostgres(ctx, cfg)
	}
	return openSQLite(ctx, cfg.DB)
}

// openSQLite opens the SQLite store. The outbox payload key lives in a
// file beside it (gatehouse.key), never inside it.
func openSQLite(ctx context.Context, path string) (*sqlite.Store, error) {
	key, err := sqlite.LoadOrCreateKey(keyPath(path))
	if err != nil {
		return nil, fmt.Errorf("payload key: %w", err)
	}
	st, err := sqlite.Open(path, sqlite.Options{PayloadKey: key})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return st, nil
}

// openPostgres opens the PostgreSQL store. Every node must seal with the
// same key, so it is never generated here: it comes from
// GATEHOUSE_SECRET_KEY or the file GATEHOUSE_SECRET_KEY_FILE names.
// Migrate takes an advisory lock, so nodes starting together migrate once.
func openPostgres(ctx context.Context, cfg Config) (*postgres.Store, error) {
	key, err := secretKey(cfg)
	if err != nil {
		return nil, err
	}
	st, err := postgres.Open(cfg.DB, postgres.Options{PayloadKey: key})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

// secretKey reads the shared sealing key of a PostgreSQL cluster.
func secretKey(cfg Config) ([]byte, error) {
	switch {
	case cfg.SecretKey != "":
		key, err := postgres.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_SECRET_KEY: %w", err)
		}
		return key, nil
	case cfg.SecretKeyFile != "":
		b, err := os.ReadFile(cfg.SecretKeyFile)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_SECRET_KEY_FILE: %w", err)
		}
		key, err := postgres.ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_SECRET_KEY_FILE %s: %w", cfg.SecretKeyFile, err)
		}
		return key, nil
	}
	return nil, errors.New("GATEHOUSE_DB is PostgreSQL: set GATEHOUSE_SECRET_KEY (64 hex characters, the same on every node; `openssl rand -hex 32`) or GATEHOUSE_SECRET_KEY_FILE")
}

func keyPath(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "gatehouse.key")
}

// filesDir is where member files are stored: beside the SQLite file, or
// data/files under the working directory with PostgreSQL.
func filesDir(db string) string {
	if isPostgres(db) {
		return filepath.Join("data", "files")
	}
	return filepath.Join(filepath.Dir(db), "files")
}

// sessionsPath is the browser-session database: its own file next to the main
// one, so session writes never compete with the main writer.
func sessionsPath(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-sessions.db"
}

// openSessions opens the browser-session storage: a table of the
// PostgreSQL database (every node sees every session), or a SQLite file
// beside the main one.
func openSessions(ctx context.Context, db string) (fiber.Storage, io.Closer, error) {
	if isPostgres(db) {
		return openPostgresSessions(ctx, db)
	}
	return openSQLiteSessions(db)
}

// openSQLiteSessions opens the browser-session storage with WAL, a busy
// timeout, immediate write transactions and a low connection cap
// (docs/architecture.md, "Storage").
func openSQLiteSessions(dbPath string) (fiber.Storage, io.Closer, error) {
	dsn := "file:" + sessionsPath(dbPath) + "?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_synchronous=NORMAL"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open session database: %w", err)
	}
	return storage.NewFromConnection(db, storage.Config{Table: "sessions"}), db, nil
}

// openPostgresSessions serves the sessions from the browser_sessions
// table, which the store's migration made (so nodes starting together do
// not race to create it, as the storage module itself would). The table
// is named with its schema: the module looks it up by schema.
func openPostgresSessions(ctx context.Context, url string) (st fiber.Storage, closer io.Closer, err error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("open session database: %w", err)
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("open session database: %w", err)
	}
	// The module panics where it could return an error.
	defer func() {
		if r := recover(); r != nil {
			pool.Close()
			st, closer, err = nil, nil, fmt.Errorf("open session database: %v", r)
		}
	}()
	s := pgstorage.New(pgstorage.Config{DB: pool, Table: schema + ".browser_sessions"})
	return s, s, nil
}

// redactDB is GATEHOUSE_DB fit for output: a URL's password is hidden.
func redactDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
