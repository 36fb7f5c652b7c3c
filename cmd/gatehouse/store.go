package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	storage "github.com/gofiber/storage/sqlite3/v2"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver

	"gatehouse/internal/sqlite"
)

// openStore opens and migrates the main database. The outbox payload key
// lives in a file beside it (gatehouse.key), never inside it.
func openStore(ctx context.Context, path string) (*sqlite.Store, error) {
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

func keyPath(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "gatehouse.key")
}

// sessionsPath is the browser-session database: its own file next to the main
// one, so session writes never compete with the main writer.
func sessionsPath(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-sessions.db"
}

// openSessions opens the browser-session storage with WAL, a busy timeout,
// immediate write transactions and a low connection cap (pitfalls.md).
func openSessions(dbPath string) (*storage.Storage, *sql.DB, error) {
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
