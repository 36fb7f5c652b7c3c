package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func testUpdateRollsBackOnError(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx auth.Tx) error {
		m := newMember("rollback@example.com", "")
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		if err := tx.EnqueueMail(ctx, auth.Mail{Kind: auth.MailWelcome, To: m.Email, CreatedAt: t0}); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		if _, err := tx.MemberByID(ctx, m.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if n := count(t, s, `SELECT count(*) FROM members`); n != 0 {
		t.Errorf("members = %d after rollback", n)
	}
	if n := count(t, s, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("outbox = %d after rollback", n)
	}
}

func testStateChangeAndOutboxCommitTogether(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	mustUpdate(t, s, func(tx auth.Tx) error {
		m := newMember("commit@example.com", "")
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		return tx.EnqueueMail(ctx, auth.Mail{Kind: auth.MailWelcome, To: m.Email, CreatedAt: t0,
			Data: map[string]string{"name": "C"}})
	})
	if _, err := s.MemberByLogin(ctx, "commit@example.com"); err != nil {
		t.Errorf("member not committed: %v", err)
	}
	mails, err := s.ListMail(ctx, 10)
	if err != nil || len(mails) != 1 || mails[0].To != "commit@example.com" {
		t.Errorf("ListMail = %+v, %v; want the one welcome mail", mails, err)
	}
}

func testUpdatePanicReleasesWriter(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		s.Update(ctx, func(tx auth.Tx) error {
			tx.CreateMember(ctx, newMember("panic@example.com", ""))
			panic("boom")
		})
	}()
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx auth.Tx) error { return tx.CreateMember(ctx, newMember("after@example.com", "")) })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("writer connection still held after a panic")
	}
	if n := count(t, s, `SELECT count(*) FROM members`); n != 1 {
		t.Errorf("members = %d, want only the one after the panic", n)
	}
}

func testConcurrentUpdatesAndReads(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	const writers, rounds = 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*4)
	for w := range writers {
		wg.Add(2)
		go func() { // writer: read-then-write transactions
			defer wg.Done()
			for r := range rounds {
				err := s.Update(ctx, func(tx auth.Tx) error {
					if _, err := tx.ListMembers(ctx, auth.MemberQuery{Limit: 5}); err != nil {
						return err
					}
					m := newMember(fmt.Sprintf("w%d-r%d@example.com", w, r), "")
					if err := tx.CreateMember(ctx, m); err != nil {
						return err
					}
					sess := &auth.Session{MemberID: m.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
					if err := tx.CreateSession(ctx, sess); err != nil {
						return err
					}
					return tx.EnqueueMail(ctx, auth.Mail{Kind: auth.MailWelcome, To: m.Email, CreatedAt: t0})
				})
				if err != nil {
					errs <- err
				}
			}
		}()
		go func() { // reader on the read pool, plus the worker's queue
			defer wg.Done()
			for range rounds {
				if _, err := s.ListMembers(ctx, auth.MemberQuery{}); err != nil {
					errs <- err
				}
				if _, err := s.MemberByLogin(ctx, fmt.Sprintf("w%d-r0@example.com", w)); err != nil && auth.ErrorCode(err) != auth.ENOTFOUND {
					errs <- err
				}
				if _, err := s.ClaimDue(ctx, t0, time.Minute, 2); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := count(t, s, `SELECT count(*) FROM members`); n != writers*rounds {
		t.Errorf("members = %d, want %d", n, writers*rounds)
	}
	if n := count(t, s, `SELECT count(*) FROM outbox WHERE claimed_until IS NOT NULL`); n > writers*rounds {
		t.Errorf("claimed = %d", n)
	}
}

func testDeleteMemberCascades(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	victim := newMember("victim@example.com", "")
	victim.Roles = []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}
	other := newMember("other@example.com", "")
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateMember(ctx, victim); err != nil {
			return err
		}
		if err := tx.CreateMember(ctx, other); err != nil {
			return err
		}
		for _, sess := range []*auth.Session{
			{MemberID: victim.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
			// victim proxying into other: goes with the actor too
			{MemberID: other.ID, ActorID: victim.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
			{MemberID: other.ID, Via: auth.ViaPage, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		} {
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
		}
		return tx.CreateToken(ctx, auth.OneTimeToken{Hash: "h1", Kind: auth.TokenReset, MemberID: victim.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	})
	if _, err := rawDB(s).Exec(`DELETE FROM members WHERE id = ?`, victim.ID); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int{
		`SELECT count(*) FROM sessions WHERE member_id = ?1 OR actor_id = ?1`: 0,
		`SELECT count(*) FROM one_time_tokens WHERE member_id = ?1`:           0,
		`SELECT count(*) FROM member_roles WHERE member_id = ?1`:              0,
	} {
		if n := count(t, s, table, victim.ID); n != want {
			t.Errorf("%s = %d, want %d", table, n, want)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM sessions WHERE member_id = ?`, other.ID); n != 1 {
		t.Errorf("other's own sessions = %d, want 1", n)
	}
}
