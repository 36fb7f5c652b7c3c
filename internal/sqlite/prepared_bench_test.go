package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// BenchmarkReadCredential compares a bearer request's key lookup on the
// read pool prepared (the store's) and unprepared.
func BenchmarkReadCredential(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "g.db"), Options{PayloadKey: make([]byte, keySize)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	err = s.Update(ctx, func(tx auth.Tx) error {
		return tx.CreateCredential(ctx, auth.Credential{Hash: "h1", Kind: auth.CredAccess, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	})
	if err != nil {
		b.Fatal(err)
	}
	for name, q := range map[string]queryer{"prepared": newPrepared(s.reader), "unprepared": s.reader} {
		b.Run(name, func(b *testing.B) {
			r := queries{q: q, key: s.key}
			for b.Loop() {
				if _, err := r.CredentialByHash(ctx, "h1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
