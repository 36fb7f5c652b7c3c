package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gatehouse/internal/sealing"
)

// Backup writes a consistent copy of the database at src to dst while
// other processes (a running server) keep reading and writing it. It runs
// VACUUM INTO on a connection of its own: that reads one snapshot of the
// database (WAL content included), so the copy holds every transaction
// committed before it started and none of the later ones, and it never
// blocks the server's writer. The copy is written to a temporary name
// beside dst, checked (CheckBackup), synced and only then renamed to dst,
// so dst is either a whole, checked backup or absent. dst must not exist.
func Backup(ctx context.Context, src, dst string) (version int64, err error) {
	if _, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return 0, fmt.Errorf("sqlite: backup: %s already exists", dst)
	}
	tmp := dst + ".partial"
	_ = os.Remove(tmp) // left by an interrupted run
	// VACUUM INTO accepts an empty file: create it first, private, since
	// the copy holds password hashes.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()
	// Not mode=ro: a read-only connection cannot open a WAL database
	// whose -shm is missing (no server running). VACUUM INTO only reads
	// the source.
	db, err := sql.Open("sqlite3", "file:"+escapePath(src)+"?_busy_timeout=10000")
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if version, err = CheckBackup(ctx, tmp); err != nil {
		return 0, err
	}
	if err := syncFile(tmp); err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	return version, syncDir(filepath.Dir(dst))
}

// CheckBackup opens the database file at path read-only and reports its
// schema version, or an error when it is not a whole Gatehouse database
// this build can run: PRAGMA integrity_check and foreign_key_check must
// pass, and its migrations must not be newer than this build's.
func CheckBackup(ctx context.Context, path string) (version int64, err error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	// immutable=1: no -wal or -shm is created beside a file that may sit
	// on read-only backup media; a backup has no WAL.
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro&immutable=1")
	if err != nil {
		return 0, fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: check %s: not a SQLite database: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: check %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	rows.Close()
	if len(problems) > 0 {
		return 0, fmt.Errorf("sqlite: check %s: integrity_check: %s", path, strings.Join(problems, "; "))
	}
	var fk int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil {
		return 0, fmt.Errorf("sqlite: check %s: %w", path, err)
	}
	if fk > 0 {
		return 0, fmt.Errorf("sqlite: check %s: %d rows fail foreign_key_check", path, fk)
	}
	if version, err = schemaVersion(ctx, db); err != nil {
		return 0, err
	}
	if version == 0 {
		return 0, fmt.Errorf("sqlite: check %s: not a Gatehouse database (no migrations applied)", path)
	}
	if latest := LatestMigration(); version > latest {
		return 0, fmt.Errorf("sqlite: check %s: written by a newer Gatehouse (schema version %d; this build knows up to %d)", path, version, latest)
	}
	return version, nil
}

// Checkpoint folds the WAL of the database at path into the file and
// removes it (the last connection to close does), so the file alone holds
// every committed transaction. No other process may be using it.
func Checkpoint(path string) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?_busy_timeout=5000")
	if err != nil {
		return err
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: checkpoint %s: %w", path, err)
	}
	return db.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// SyncFile flushes the file at path to stable storage; SyncDir flushes a
// directory's entries (after a rename into it).
var (
	SyncFile = syncFile
	SyncDir  = syncDir
)

// ReadKey reads an existing payload key file (see LoadOrCreateKey, which
// creates a missing one).
func ReadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read key: %w", err)
	}
	return sealing.ParseKey(string(b))
}

// CheckKey reports whether key opens the sealed fields of the database
// file at path, tried on its id_token signing keys (made at a server's
// first start). A database with nothing sealed accepts any key.
func CheckKey(ctx context.Context, path string, key []byte) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro&immutable=1")
	if err != nil {
		return fmt.Errorf("sqlite: check key: %w", err)
	}
	defer db.Close()
	if _, err := (queries{q: db, key: key}).SigningKeys(ctx); err != nil {
		return fmt.Errorf("sqlite: the database is sealed with another payload key: %w", err)
	}
	return nil
}
