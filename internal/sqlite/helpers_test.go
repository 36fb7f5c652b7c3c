package sqlite_test

import (
	"context"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/sqlite"
)

// The fixtures of the SQLite-only tests (the cache, migrations, pragmas);
// the suite in internal/storetest has its own.

func newMember(email, username string) *auth.Member {
	return &auth.Member{Email: email, Username: username, Name: "N", Status: auth.StatusActive,
		PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}
}

// create inserts m in its own transaction.
func create(t *testing.T, s *sqlite.Store, m *auth.Member) *auth.Member {
	t.Helper()
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateMember(context.Background(), m) })
	return m
}

func createSession(t *testing.T, s *sqlite.Store, memberID int64, created time.Time) *auth.Session {
	t.Helper()
	sess := &auth.Session{MemberID: memberID, Via: auth.ViaPage, IP: "192.0.2.1", UserAgent: "UA",
		CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour)}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateSession(context.Background(), sess) })
	return sess
}

const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
