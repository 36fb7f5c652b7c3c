package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// createSession inserts a page session of memberID created at created.
func createSession(t *testing.T, s Store, memberID int64, created time.Time) *auth.Session {
	t.Helper()
	sess := &auth.Session{MemberID: memberID, Via: auth.ViaPage, IP: "192.0.2.1", UserAgent: "UA",
		CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour)}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateSession(context.Background(), sess) })
	return sess
}

func testCreateSession(t *testing.T) {
	s := mustOpen(t)
	m := create(t, s, newMember("a@example.com", ""))
	actor := create(t, s, newMember("admin@example.com", ""))
	sess := &auth.Session{MemberID: m.ID, ActorID: actor.ID, Via: "kotive", IP: "192.0.2.1",
		UserAgent: "UA", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateSession(context.Background(), sess) })
	if sess.ID == 0 {
		t.Fatal("ID not set")
	}
	if !sess.LastUsedAt.Equal(t0) {
		t.Errorf("LastUsedAt = %v, want CreatedAt", sess.LastUsedAt)
	}
	got, err := s.SessionByID(context.Background(), sess.ID)
	if err != nil || !reflect.DeepEqual(got, *sess) {
		t.Errorf("SessionByID\n got %+v, %v\nwant %+v", got, err, *sess)
	}
}

func testSessionByID(t *testing.T) {
	s := mustOpen(t)
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	got, err := s.SessionByID(context.Background(), sess.ID)
	if err != nil || got.ActorID != 0 || got.RevokedAt != nil || got.MemberID != m.ID {
		t.Errorf("SessionByID = %+v, %v", got, err)
	}
	_, err = s.SessionByID(context.Background(), sess.ID+1)
	wantCode(t, err, auth.ENOTFOUND)
}

func testListSessions(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	other := create(t, s, newMember("b@example.com", ""))
	old := createSession(t, s, m.ID, t0)
	newer := createSession(t, s, m.ID, t0.Add(time.Minute))
	revoked := createSession(t, s, m.ID, t0.Add(2*time.Minute))
	expired := &auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	createSession(t, s, other.ID, t0)
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateSession(ctx, expired); err != nil {
			return err
		}
		return tx.RevokeSession(ctx, revoked.ID, t0)
	})
	got, err := s.ListSessions(ctx, m.ID, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != newer.ID || got[1].ID != old.ID {
		t.Errorf("ListSessions = %+v, want [newer, old]", got)
	}
}

func testTouchSession(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	later := t0.Add(5 * time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.TouchSession(ctx, sess.ID, later) })
	// An older touch arriving late does not move it back.
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.TouchSession(ctx, sess.ID, t0.Add(time.Minute)) })
	got, _ := s.SessionByID(ctx, sess.ID)
	if !got.LastUsedAt.Equal(later) {
		t.Errorf("LastUsedAt = %v, want %v", got.LastUsedAt, later)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.TouchSession(ctx, 999, later) }), auth.ENOTFOUND)
}

func testRevokeSession(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	first := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeSession(ctx, sess.ID, first) })
	// Revoking again is harmless and keeps the first time.
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeSession(ctx, sess.ID, first.Add(time.Hour)) })
	got, _ := s.SessionByID(ctx, sess.ID)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, first)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.RevokeSession(ctx, 999, first) }), auth.ENOTFOUND)
}

func testRevokeMemberSessions(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	other := create(t, s, newMember("b@example.com", ""))
	keep := createSession(t, s, m.ID, t0)
	createSession(t, s, m.ID, t0)
	createSession(t, s, m.ID, t0)
	already := createSession(t, s, m.ID, t0)
	otherSess := createSession(t, s, other.ID, t0)
	at := t0.Add(time.Hour)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeSession(ctx, already.ID, t0) })

	var n int
	mustUpdate(t, s, func(tx auth.Tx) (err error) {
		n, err = tx.RevokeMemberSessions(ctx, m.ID, keep.ID, at)
		return err
	})
	if n != 2 {
		t.Errorf("revoked %d, want 2", n)
	}
	live, _ := s.ListSessions(ctx, m.ID, at)
	if len(live) != 1 || live[0].ID != keep.ID {
		t.Errorf("live sessions = %+v, want only the kept one", live)
	}
	if got, _ := s.SessionByID(ctx, already.ID); !got.RevokedAt.Equal(t0) {
		t.Errorf("already revoked session got a new time: %v", got.RevokedAt)
	}
	if got, _ := s.SessionByID(ctx, otherSess.ID); got.RevokedAt != nil {
		t.Error("another member's session was revoked")
	}
	mustUpdate(t, s, func(tx auth.Tx) (err error) {
		n, err = tx.RevokeMemberSessions(ctx, m.ID, 0, at)
		return err
	})
	if n != 1 {
		t.Errorf("exceptID 0 revoked %d, want 1", n)
	}
}
