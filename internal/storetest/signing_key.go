package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// newKey returns a deterministic Ed25519 key created at created.
func newKey(kid string, seedByte byte, created time.Time) auth.SigningKey {
	seed := bytes.Repeat([]byte{seedByte}, ed25519.SeedSize)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	return auth.SigningKey{KID: kid, Private: seed, Public: []byte(pub), CreatedAt: created}
}

func testSigningKeys(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	if got, err := s.SigningKeys(ctx); err != nil || len(got) != 0 {
		t.Errorf("SigningKeys on an empty store = %v, %v", got, err)
	}
	retired := t0.Add(time.Hour)
	old := newKey("k1", 1, t0)
	old.RetiredAt = &retired
	mid := newKey("k2", 2, t0.Add(time.Minute))
	newest := newKey("k3", 3, t0.Add(2*time.Minute))
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, k := range []auth.SigningKey{mid, newest, old} {
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.SigningKeys(ctx)
	if err != nil || !reflect.DeepEqual(got, []auth.SigningKey{newest, mid, old}) {
		t.Errorf("SigningKeys\n got %+v, %v\nwant newest first %+v", got, err, []auth.SigningKey{newest, mid, old})
	}
	// A duplicate kid and a key without a private part are refused.
	if err := s.Update(ctx, func(tx auth.Tx) error { return tx.CreateSigningKey(ctx, newKey("k1", 9, t0)) }); err == nil {
		t.Error("duplicate kid stored")
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error {
		return tx.CreateSigningKey(ctx, auth.SigningKey{KID: "k9", Public: []byte("p"), CreatedAt: t0})
	}), auth.EINVALID)
}

func testSigningKeyIsSealed(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	k := newKey("k1", 0xAB, t0)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateSigningKey(ctx, k) })
	var private, public []byte
	if err := rawDB(s).QueryRow(`SELECT private, public FROM signing_keys`).Scan(&private, &public); err != nil {
		t.Fatal(err)
	}
	if len(private) == 0 || bytes.Contains(private, k.Private[:16]) {
		t.Errorf("private column = %x, want sealed bytes without the seed", private)
	}
	if !bytes.Equal(public, k.Public) {
		t.Errorf("public column = %x, want %x in clear", public, k.Public)
	}
	got, err := s.SigningKeys(ctx)
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Private, k.Private) {
		t.Errorf("SigningKeys = %+v, %v", got, err)
	}
	// Bound to its kid: a row claiming another kid does not open.
	if _, err := rawDB(s).Exec(`INSERT INTO signing_keys (kid, private, public, created_at)
		VALUES ('k2', ?, ?, 0)`, private, public); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SigningKeys(ctx); err == nil {
		t.Error("a private key copied under another kid opened")
	}
}
