package postgres_test

import (
	"context"
	"testing"

	"gatehouse/internal/outbox"
	"gatehouse/internal/pgtest"
	"gatehouse/internal/postgres"
	"gatehouse/internal/storetest"
)

// The worker's queue, checked here so that the production package does not
// import outbox (and through it views/email and templ).
var _ outbox.Queue = (*postgres.Store)(nil)

// TestStoreSuite runs the engine-independent store tests
// (internal/storetest) on PostgreSQL, each in a fresh schema.
func TestStoreSuite(t *testing.T) {
	urls := map[storetest.Store]string{}
	storetest.Run(t, storetest.Engine{
		Open: func(t *testing.T) storetest.Store {
			url := pgtest.Schema(t)
			s, err := postgres.Open(url, postgres.Options{PayloadKey: storetest.TestKey})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			urls[s] = url
			return s
		},
		Reopen: func(t *testing.T, s storetest.Store, key []byte) (storetest.Store, error) {
			s2, err := postgres.Open(urls[s], postgres.Options{PayloadKey: key})
			if err != nil {
				return nil, err
			}
			return s2, nil
		},
		Raw: func(s storetest.Store) storetest.DB { return postgres.RawDB(s.(*postgres.Store)) },
	})
}
