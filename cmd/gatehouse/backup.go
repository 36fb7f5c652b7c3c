package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"gatehouse/internal/sqlite"
)

// cmdBackup writes a consistent online copy of the database: safe while a
// server runs on it (see sqlite.Backup).
func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "backup --to FILE [flags]", stderr)
	to := fs.String("to", "", "file to write the backup to; must not exist (required)")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--to is required", to); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	start := time.Now()
	version, err := sqlite.Backup(ctx, cfg.DB, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (schema version %d, %s)\n", cfg.DB, *to, version, time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdRestore checks a backup and installs it as the database. It refuses
// while a server runs on the database (see lockData); the database it
// replaces is kept beside it as <db>.pre-restore-<time>, and the browser
// sessions are cleared: their ids point into the replaced database.
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "restore --from FILE [--key KEYFILE] [flags]", stderr)
	from := fs.String("from", "", "backup file written by gatehouse backup (required)")
	keyFile := fs.String("key", "", "the gatehouse.key of the server that made the backup (default: the one beside GATEHOUSE_DB)")
	config := configFlags(fs, getenv)
	if err := parseRequired(fs, args, "--from is required", from); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	version, err := sqlite.CheckBackup(ctx, *from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DB), 0o700); err != nil {
		return err
	}
	unlock, err := lockData(cfg.DB, true)
	if err != nil {
		return err
	}
	defer unlock()

	// Copy first, beside the database (same file system: the renames
	// below are atomic), and sync it.
	tmp := cfg.DB + ".restoring"
	if err := copyFile(*from, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: copy: %w", err)
	}
	newKey, err := restoreKey(ctx, tmp, cfg.DB, *keyFile)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	if newKey {
		kp := keyPath(cfg.DB)
		if _, err := os.Stat(kp); err == nil {
			if err := os.Rename(kp, kp+".pre-restore-"+stamp); err != nil {
				os.Remove(tmp)
				return fmt.Errorf("restore: set the old key aside: %w", err)
			}
		}
		if err := copyFile(*keyFile, kp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: install key: %w", err)
		}
	}
	if _, err := os.Stat(cfg.DB); err == nil {
		// Fold the WAL in, so the file set aside holds everything.
		if err := sqlite.Checkpoint(cfg.DB); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: %w", err)
		}
		if err := os.Rename(cfg.DB, cfg.DB+".pre-restore-"+stamp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: set the old database aside: %w", err)
		}
		fmt.Fprintf(stdout, "the replaced database is kept as %s\n", cfg.DB+".pre-restore-"+stamp)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(cfg.DB + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, cfg.DB); err != nil {
		return fmt.Errorf("restore: install: %w", err)
	}
	sess := sessionsPath(cfg.DB)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(sess + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: clear browser sessions: %w", err)
		}
	}
	if err := sqlite.SyncDir(filepath.Dir(cfg.DB)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s (schema version %d); browser sessions cleared\n", cfg.DB, *from, version)
	return nil
}

// restoreKey decides which payload key the restored database will be
// opened with and checks that it opens the copy at tmp: --key when given
// (newKey: it is to be installed), else the gatehouse.key already beside
// the database. The database's sealed fields (id_token signing keys, TOTP
// secrets, queued mail) are useless without their key, and the key is kept
// out of backups on purpose (internal/sqlite/seal.go).
func restoreKey(ctx context.Context, tmp, db, keyFile string) (newKey bool, err error) {
	var key []byte
	switch {
	case keyFile != "":
		if key, err = sqlite.ReadKey(keyFile); err != nil {
			return false, fmt.Errorf("restore: --key: %w", err)
		}
		newKey = true
	default:
		if key, err = sqlite.ReadKey(keyPath(db)); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				return false, fmt.Errorf("restore: %w", err)
			}
			key = make([]byte, 32) // nothing to open with: only an unsealed database passes
		}
	}
	if err := sqlite.CheckKey(ctx, tmp, key); err != nil {
		return false, fmt.Errorf("restore: %w (pass --key with the gatehouse.key of the server that made the backup)", err)
	}
	return newKey, nil
}

// lockData takes the data lock of the database at db: shared for a server
// (several may run), exclusive for restore, which thus refuses while any
// server runs and keeps servers from starting while it works. The lock is
// flock(2) on <db>.lock, so a killed process releases it.
func lockData(db string, exclusive bool) (unlock func(), err error) {
	f, err := os.OpenFile(db+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data lock: %w", err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			if exclusive {
				return nil, fmt.Errorf("a server is running on %s: stop it before restoring", db)
			}
			return nil, fmt.Errorf("a restore is in progress on %s", db)
		}
		return nil, fmt.Errorf("data lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// copyFile copies src to a new private file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}
