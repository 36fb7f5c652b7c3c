package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func TestCreateToken(t *testing.T) {
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

func TestTokenByHash(t *testing.T) {
	s := mustOpen(t)
	_, err := s.TokenByHash(context.Background(), auth.HashToken("nope"))
	if e := wantCode(t, err, auth.ENOTFOUND); e.Message != "Token not found." {
		t.Errorf("message = %q", e.Message)
	}
}

func TestUseToken(t *testing.T) {
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

func TestDeleteTokens(t *testing.T) {
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
