package sqlite_test

import (
	"path/filepath"
	"testing"

	"gatehouse/internal/sqlite"
	"gatehouse/internal/storetest"
)

// TestStoreSuite runs the engine-independent store tests
// (internal/storetest) on SQLite; internal/postgres runs the same.
func TestStoreSuite(t *testing.T) {
	storetest.Run(t, storetest.Engine{
		Open: func(t *testing.T) storetest.Store { return mustOpen(t) },
		Reopen: func(t *testing.T, s storetest.Store, key []byte) (storetest.Store, error) {
			s2, err := sqlite.Open(dbPath(t, s.(*sqlite.Store)), sqlite.Options{PayloadKey: key})
			if err != nil {
				return nil, err
			}
			return s2, nil
		},
		Raw: func(s storetest.Store) storetest.DB { return sqlite.WriterDB(s.(*sqlite.Store)) },
	})
}

// dbPath returns the file of s's main database.
func dbPath(t *testing.T, s *sqlite.Store) string {
	t.Helper()
	var seq int
	var name, file string
	if err := sqlite.WriterDB(s).QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(file)
}
