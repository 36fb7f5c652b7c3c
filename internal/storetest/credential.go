package storetest

import (
	"bytes"
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// createCredential inserts c in its own transaction.
func createCredential(t *testing.T, s Store, c auth.Credential) {
	t.Helper()
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateCredential(context.Background(), c) })
}

// refresh is a refresh credential of the session.
func refresh(hash string, sessionID int64) auth.Credential {
	return auth.Credential{Hash: hash, Kind: auth.CredRefresh, SessionID: sessionID, Via: "wme",
		CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
}

func testCreateCredential(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	used, rotated, revoked := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)
	full := auth.Credential{Hash: auth.HashToken("r1"), Kind: auth.CredRefresh, SessionID: sess.ID,
		Via: "wme", ParentHash: auth.HashToken("r0"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
		UsedAt: &used, RotatedAt: &rotated, RevokedAt: &revoked, Successor: "r2-plain", Mints: 4}
	access := auth.Credential{Hash: auth.HashToken("a1"), Kind: auth.CredAccess, SessionID: sess.ID,
		Via: "wme", ParentHash: full.Hash, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	anon := auth.Credential{Hash: auth.HashToken("anon"), Kind: auth.CredAnonymous, Via: "kuroco",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	for _, c := range []auth.Credential{full, access, anon} {
		createCredential(t, s, c)
		got, err := s.CredentialByHash(ctx, c.Hash)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("CredentialByHash\n got %+v, %v\nwant %+v", got, err, c)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM credentials WHERE hash = ? AND session_id IS NULL`, anon.Hash); n != 1 {
		t.Errorf("anonymous credential has a session_id")
	}
	if n := count(t, s, `SELECT count(*) FROM credentials WHERE successor IS NULL`); n != 2 {
		t.Errorf("credentials without successor stored with NULL successor = %d, want 2", n)
	}
	// CreatedAt defaults to the store's clock.
	createCredential(t, s, auth.Credential{Hash: "nocreated", Kind: auth.CredAccess, SessionID: sess.ID,
		ExpiresAt: t0.Add(time.Hour)})
	if got, err := s.CredentialByHash(ctx, "nocreated"); err != nil || got.CreatedAt.IsZero() {
		t.Errorf("CreatedAt = %v, %v; want the store's now", got.CreatedAt, err)
	}
	// A second credential with the same hash is refused.
	if err := s.Update(ctx, func(tx auth.Tx) error { return tx.CreateCredential(ctx, access) }); err == nil {
		t.Error("duplicate CreateCredential succeeded")
	}
}

func testCredentialByHash(t *testing.T) {
	s := mustOpen(t)
	_, err := s.CredentialByHash(context.Background(), auth.HashToken("nope"))
	if e := wantCode(t, err, auth.ENOTFOUND); e.Message != "Credential not found." {
		t.Errorf("message = %q", e.Message)
	}
}

func testUseCredential(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	createCredential(t, s, auth.Credential{Hash: "g", Kind: auth.CredGrant, SessionID: sess.ID, Via: "kuroco",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)})
	at := t0.Add(time.Second)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UseCredential(ctx, "g", at) })
	got, _ := s.CredentialByHash(ctx, "g")
	if got.UsedAt == nil || !got.UsedAt.Equal(at) {
		t.Errorf("UsedAt = %v, want %v", got.UsedAt, at)
	}
	// Single use: a second use and an unknown credential are ENOTFOUND.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UseCredential(ctx, "g", at) }), auth.ENOTFOUND)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UseCredential(ctx, "other", at) }), auth.ENOTFOUND)
	if got, _ := s.CredentialByHash(ctx, "g"); !got.UsedAt.Equal(at) {
		t.Errorf("UsedAt moved to %v by the refused use", got.UsedAt)
	}
}

func testRotateCredential(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	createCredential(t, s, refresh("r1", sess.ID))
	at := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RotateCredential(ctx, "r1", at, "successor-plain") })
	got, err := s.CredentialByHash(ctx, "r1")
	if err != nil || got.RotatedAt == nil || !got.RotatedAt.Equal(at) || got.Successor != "successor-plain" {
		t.Errorf("after rotation = %+v, %v", got, err)
	}
	// Only the first rotation wins; the loser sees ENOTFOUND and changes nothing.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error {
		return tx.RotateCredential(ctx, "r1", at.Add(time.Minute), "other-successor")
	}), auth.ENOTFOUND)
	if got, _ := s.CredentialByHash(ctx, "r1"); got.Successor != "successor-plain" || !got.RotatedAt.Equal(at) {
		t.Errorf("losing rotation changed the row: %+v", got)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.RotateCredential(ctx, "nope", at, "x") }), auth.ENOTFOUND)
}

func testRotateCredentialRace(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	createCredential(t, s, refresh("r1", sess.ID))
	const n = 10
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		errs     = make([]error, n)
		succName = func(i int) string { return "successor-" + string(rune('a'+i)) }
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Update(ctx, func(tx auth.Tx) error {
				// Read-then-write, as the domain does: the read sees the
				// row unrotated in every goroutine that runs before the
				// winner commits, only the conditional UPDATE decides.
				if _, err := tx.CredentialByHash(ctx, "r1"); err != nil {
					return err
				}
				return tx.RotateCredential(ctx, "r1", t0.Add(time.Minute), succName(i))
			})
		}()
	}
	close(start)
	wg.Wait()
	winners := 0
	winner := ""
	for i, err := range errs {
		if err == nil {
			winners++
			winner = succName(i)
			continue
		}
		if e := auth.AsError(err); e == nil || e.Code != auth.ENOTFOUND {
			t.Errorf("goroutine %d: %v, want nil or ENOTFOUND", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d rotations succeeded, want exactly 1", winners)
	}
	if got, _ := s.CredentialByHash(ctx, "r1"); got.Successor != winner {
		t.Errorf("stored successor = %q, want the winner's %q", got.Successor, winner)
	}
}

func testSuccessorIsSealed(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	const plain = "live-refresh-token-Zm9vYmFy"
	createCredential(t, s, refresh("r1", sess.ID))
	createCredential(t, s, refresh("r2", sess.ID))
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RotateCredential(ctx, "r1", t0, plain) })
	var raw []byte
	if err := rawDB(s).QueryRow(`SELECT successor FROM credentials WHERE hash = 'r1'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) == 0 || bytes.Contains(raw, []byte(plain)) {
		t.Errorf("successor column = %q, want sealed bytes without the plaintext", raw)
	}
	if got, err := s.CredentialByHash(ctx, "r1"); err != nil || got.Successor != plain {
		t.Errorf("Successor = %q, %v; want %q", got.Successor, err, plain)
	}
	// The sealed value is bound to its row: copied to another credential it
	// does not open.
	if _, err := rawDB(s).Exec(`UPDATE credentials SET successor = ? WHERE hash = 'r2'`, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CredentialByHash(ctx, "r2"); err == nil || auth.AsError(err) != nil {
		t.Errorf("moved successor: err = %v, want an internal (non-auth) error", err)
	}
	// Another key cannot open it either.
	s2, err := eng.Reopen(t, s, []byte("another key, 32 bytes long......"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.CredentialByHash(ctx, "r1"); err == nil {
		t.Error("CredentialByHash with the wrong key succeeded")
	}
}

func testAddMint(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	createCredential(t, s, refresh("r1", sess.ID))
	for want := 1; want <= 3; want++ {
		var got int
		mustUpdate(t, s, func(tx auth.Tx) (err error) { got, err = tx.AddMint(ctx, "r1"); return err })
		if got != want {
			t.Errorf("AddMint = %d, want %d", got, want)
		}
	}
	if c, _ := s.CredentialByHash(ctx, "r1"); c.Mints != 3 {
		t.Errorf("Mints = %d, want 3", c.Mints)
	}
	err := s.Update(ctx, func(tx auth.Tx) error { _, err := tx.AddMint(ctx, "nope"); return err })
	wantCode(t, err, auth.ENOTFOUND)
}

func testRevokeCredential(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	sess := createSession(t, s, m.ID, t0)
	createCredential(t, s, refresh("r1", sess.ID))
	first := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeCredential(ctx, "r1", first) })
	// Revoking again is harmless and keeps the first time.
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeCredential(ctx, "r1", first.Add(time.Hour)) })
	if got, _ := s.CredentialByHash(ctx, "r1"); got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, first)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.RevokeCredential(ctx, "nope", first) }), auth.ENOTFOUND)
}

func testDeleteSessionCascadesCredentials(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	gone := createSession(t, s, m.ID, t0)
	kept := createSession(t, s, m.ID, t0)
	createCredential(t, s, refresh("r-gone", gone.ID))
	createCredential(t, s, auth.Credential{Hash: "a-gone", Kind: auth.CredAccess, SessionID: gone.ID,
		ParentHash: "r-gone", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)})
	createCredential(t, s, refresh("r-kept", kept.ID))
	createCredential(t, s, auth.Credential{Hash: "anon", Kind: auth.CredAnonymous, CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour)})
	if _, err := rawDB(s).Exec(`DELETE FROM sessions WHERE id = ?`, gone.ID); err != nil {
		t.Fatal(err)
	}
	for hash, want := range map[string]bool{"r-gone": false, "a-gone": false, "r-kept": true, "anon": true} {
		_, err := s.CredentialByHash(ctx, hash)
		if exists := err == nil; exists != want {
			t.Errorf("credential %s exists = %v, want %v (err %v)", hash, exists, want, err)
		}
	}
	// Deleting the member reaches the credentials through its sessions.
	if _, err := rawDB(s).Exec(`DELETE FROM members WHERE id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM credentials WHERE session_id IS NOT NULL`); n != 0 {
		t.Errorf("credentials left after deleting the member = %d", n)
	}
}

func testCredentialOfUnknownSession(t *testing.T) {
	s := mustOpen(t)
	err := s.Update(context.Background(), func(tx auth.Tx) error {
		return tx.CreateCredential(context.Background(), refresh("r1", 999))
	})
	if err == nil {
		t.Error("credential of an unknown session was stored")
	}
}
