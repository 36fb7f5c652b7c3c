package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func testCreateToken(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	reset := auth.OneTimeToken{Hash: auth.HashToken("secret"), Kind: auth.TokenReset, MemberID: m.ID,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	invite := auth.OneTimeToken{Hash: auth.HashToken("invite"), Kind: auth.TokenInvite,
		Email: "new@example.com", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateToken(ctx, reset); err != nil {
			return err
		}
		return tx.CreateToken(ctx, invite)
	})
	for _, want := range []auth.OneTimeToken{reset, invite} {
		got, err := s.TokenByHash(ctx, want.Hash)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("TokenByHash\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
}

func testTokenByHash(t *testing.T) {
	s := mustOpen(t)
	_, err := s.TokenByHash(context.Background(), auth.HashToken("nope"))
	if e := wantCode(t, err, auth.ENOTFOUND); e.Message != "Token not found." {
		t.Errorf("message = %q", e.Message)
	}
}

func testUseToken(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	tok := auth.OneTimeToken{Hash: "h", Kind: auth.TokenReset, MemberID: m.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateToken(ctx, tok) })
	at := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UseToken(ctx, "h", at) })
	got, _ := s.TokenByHash(ctx, "h")
	if got.UsedAt == nil || !got.UsedAt.Equal(at) {
		t.Errorf("UsedAt = %v, want %v", got.UsedAt, at)
	}
	// Single use: the second use and an unknown token are both ENOTFOUND.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UseToken(ctx, "h", at) }), auth.ENOTFOUND)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UseToken(ctx, "other", at) }), auth.ENOTFOUND)
}

func testDeleteTokens(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	other := create(t, s, newMember("b@example.com", ""))
	mk := func(hash, kind string, member int64) auth.OneTimeToken {
		return auth.OneTimeToken{Hash: hash, Kind: kind, MemberID: member, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	}
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, tok := range []auth.OneTimeToken{
			mk("r1", auth.TokenReset, m.ID), mk("r2", auth.TokenReset, m.ID), mk("used", auth.TokenReset, m.ID),
			mk("np", auth.TokenNewPassword, m.ID), mk("o", auth.TokenReset, other.ID),
		} {
			if err := tx.CreateToken(ctx, tok); err != nil {
				return err
			}
		}
		return tx.UseToken(ctx, "used", t0)
	})
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteTokens(ctx, m.ID, auth.TokenReset) })
	for hash, want := range map[string]bool{"r1": false, "r2": false, "used": true, "np": true, "o": true} {
		_, err := s.TokenByHash(ctx, hash)
		if exists := err == nil; exists != want {
			t.Errorf("token %s exists = %v, want %v (err %v)", hash, exists, want, err)
		}
	}
}

func testTokenExtras(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	tok := auth.OneTimeToken{Hash: "h", Kind: auth.TokenReset, MemberID: m.ID, CreatedAt: t0,
		ExpiresAt: t0.Add(time.Hour), Secret2Hash: auth.HashToken("temp-password"), Attempts: 2}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateToken(ctx, tok) })
	if got, err := s.TokenByHash(ctx, "h"); err != nil || !reflect.DeepEqual(got, tok) {
		t.Errorf("TokenByHash\n got %+v, %v\nwant %+v", got, err, tok)
	}
}

func testActiveToken(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	other := create(t, s, newMember("b@example.com", ""))
	mk := func(hash, kind string, member int64, created time.Time, life time.Duration) auth.OneTimeToken {
		return auth.OneTimeToken{Hash: hash, Kind: kind, MemberID: member, CreatedAt: created, ExpiresAt: created.Add(life)}
	}
	now := t0.Add(30 * time.Minute)
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, tok := range []auth.OneTimeToken{
			mk("old", auth.TokenResetCode, m.ID, t0, time.Hour),
			mk("mid", auth.TokenResetCode, m.ID, t0.Add(10*time.Minute), time.Hour),
			mk("newest-used", auth.TokenResetCode, m.ID, t0.Add(20*time.Minute), time.Hour),
			mk("newest-expired", auth.TokenResetCode, m.ID, t0.Add(25*time.Minute), 5*time.Minute), // expires exactly at now
			mk("other-kind", auth.TokenReset, m.ID, t0.Add(29*time.Minute), time.Hour),
			mk("other-member", auth.TokenResetCode, other.ID, t0.Add(29*time.Minute), time.Hour),
		} {
			if err := tx.CreateToken(ctx, tok); err != nil {
				return err
			}
		}
		return tx.UseToken(ctx, "newest-used", t0.Add(21*time.Minute))
	})
	got, err := s.ActiveToken(ctx, m.ID, auth.TokenResetCode, now)
	if err != nil || got.Hash != "mid" {
		t.Errorf("ActiveToken = %+v, %v; want mid", got, err)
	}
	// Inside a transaction too, seeing its own writes.
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.UseToken(ctx, "mid", now); err != nil {
			return err
		}
		got, err := tx.ActiveToken(ctx, m.ID, auth.TokenResetCode, now)
		if err != nil || got.Hash != "old" {
			t.Errorf("ActiveToken in tx = %+v, %v; want old", got, err)
		}
		return nil
	})
	// Past every expiry, and for a kind the member has none of: ENOTFOUND.
	_, err = s.ActiveToken(ctx, m.ID, auth.TokenResetCode, t0.Add(2*time.Hour))
	wantCode(t, err, auth.ENOTFOUND)
	_, err = s.ActiveToken(ctx, m.ID, auth.TokenInvite, now)
	wantCode(t, err, auth.ENOTFOUND)
}

func testAddTokenAttempt(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.CreateToken(ctx, auth.OneTimeToken{Hash: "h", Kind: auth.TokenResetCode, MemberID: m.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	})
	for want := 1; want <= 3; want++ {
		var got int
		mustUpdate(t, s, func(tx auth.Tx) (err error) { got, err = tx.AddTokenAttempt(ctx, "h"); return err })
		if got != want {
			t.Errorf("AddTokenAttempt = %d, want %d", got, want)
		}
	}
	if tok, _ := s.TokenByHash(ctx, "h"); tok.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", tok.Attempts)
	}
	err := s.Update(ctx, func(tx auth.Tx) error { _, err := tx.AddTokenAttempt(ctx, "nope"); return err })
	wantCode(t, err, auth.ENOTFOUND)
}
