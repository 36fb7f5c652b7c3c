package sqlite

import (
	"context"
	"database/sql"
)

// WriterDB exposes the writer pool to the black-box tests (raw SQL checks,
// pool stats).
func WriterDB(s *Store) *sql.DB { return s.writer }

// ReaderDB exposes the read-only pool to the black-box tests.
func ReaderDB(s *Store) *sql.DB { return s.reader }

// MigrateTo applies the migrations up to version upTo only.
func MigrateTo(ctx context.Context, s *Store, upTo int64) (int, error) { return s.migrateTo(ctx, upTo) }
