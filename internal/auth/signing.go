package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"
)

// Signing keys (docs/contract.md §1, docs/security.md T1).
//
// Gatehouse signs id_tokens with Ed25519 keys it creates itself and keeps in
// the store (the private seed sealed at rest). The newest key that is not
// retired is the current key; every older key counts as retired from the
// moment the next one was created (or from its own RetiredAt, whichever is
// earlier), because the store has no "retire" operation: rotation is simply
// the creation of a newer key. Retired keys keep verifying (and stay in the
// JWKS) for keyRetention, which is longer than any id_token lives, so a
// token keeps verifying until its exp and not after.
//
// Concurrency: the first use creates the key inside a writing transaction
// (BEGIN IMMEDIATE) that reads the keys again first, so two instances starting
// at once end up with one key. Should two keys ever exist anyway (two
// concurrent rotations), the newest is used and the other verifies as retired.

// keyRetention is how long a retired key stays in the JWKS and keeps
// verifying tokens; the effective value is at least the longest id_token
// lifetime of the configured policies.
const keyRetention = 90 * 24 * time.Hour

// keyRefresh is how long the in-memory key list is trusted before it is read
// again (another instance may have rotated), and keyReload the least time
// between two reloads caused by an unknown kid (so that forged kids cannot
// hammer the store).
const (
	keyRefresh = 5 * time.Minute
	keyReload  = 30 * time.Second
)

// keyCache is the in-memory copy of the signing keys.
type keyCache struct {
	mu       sync.Mutex
	keys     []SigningKey // newest first, as the store returns them
	loadedAt time.Time
	loaded   bool
}

// keyCache returns the service's key cache.
func (s *Service) keyCache() *keyCache { return &s.keys }

// keyID derives a key's kid: base64url of the first 12 bytes of the SHA-256 of
// the public key.
func keyID(pub []byte) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// newSigningKey makes an Ed25519 key from 32 bytes of s.rand.
func (s *Service) newSigningKey() (SigningKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(s.rand, seed); err != nil {
		return SigningKey{}, fmt.Errorf("signing key: %w", err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	return SigningKey{KID: keyID(pub), Private: seed, Public: []byte(pub), CreatedAt: s.clock()}, nil
}

// currentKey returns the first key of keys (newest first) if it is usable for
// signing.
func currentKey(keys []SigningKey) (SigningKey, bool) {
	if len(keys) == 0 || keys[0].RetiredAt != nil || len(keys[0].Private) != ed25519.SeedSize {
		return SigningKey{}, false
	}
	return keys[0], true
}

// retiredAt returns when keys[i] stopped being the current key, or nil when it
// is the current key.
func retiredAt(keys []SigningKey, i int) *time.Time {
	at := keys[i].RetiredAt
	if i > 0 {
		next := keys[i-1].CreatedAt
		if at == nil || next.Before(*at) {
			at = &next
		}
	}
	return at
}

// loadKeysLocked reads the keys from the store; c.mu is held.
func (s *Service) loadKeysLocked(ctx context.Context, c *keyCache) error {
	keys, err := s.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	c.keys, c.loadedAt, c.loaded = keys, s.clock(), true
	return nil
}

// keysLocked returns the cached keys, reading them again when the cache is
// stale; c.mu is held.
func (s *Service) keysLocked(ctx context.Context, c *keyCache) ([]SigningKey, error) {
	if !c.loaded || s.clock().Sub(c.loadedAt) > keyRefresh || s.clock().Before(c.loadedAt) {
		if err := s.loadKeysLocked(ctx, c); err != nil {
			return nil, err
		}
	}
	return c.keys, nil
}

// signingKey returns the current (newest, not retired) key, creating one at
// first use.
func (s *Service) signingKey(ctx context.Context) (SigningKey, error) {
	c := s.keyCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, err := s.keysLocked(ctx, c)
	if err != nil {
		return SigningKey{}, err
	}
	if k, ok := currentKey(keys); ok {
		return k, nil
	}
	return s.createKeyLocked(ctx, c, false)
}

// RotateSigningKey retires the current signing key by creating a newer one.
// Tokens signed with the previous key keep verifying until their exp.
func (s *Service) RotateSigningKey(ctx context.Context) error {
	c := s.keyCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := s.createKeyLocked(ctx, c, true)
	return err
}

// createKeyLocked creates a key in one transaction. Unless force is set, it
// first reads the keys again inside the transaction and keeps a current key
// another instance created meanwhile. The cache is reloaded afterwards; c.mu
// is held.
func (s *Service) createKeyLocked(ctx context.Context, c *keyCache, force bool) (SigningKey, error) {
	var key SigningKey
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		keys, err := tx.SigningKeys(ctx)
		if err != nil {
			return err
		}
		if k, ok := currentKey(keys); ok && !force {
			key = k
			return nil
		}
		if key, err = s.newSigningKey(); err != nil {
			return err
		}
		// A key created in the same millisecond as the current one would
		// not sort after it; keep creation times strictly increasing.
		if len(keys) > 0 && !key.CreatedAt.After(keys[0].CreatedAt) {
			key.CreatedAt = keys[0].CreatedAt.Add(time.Millisecond)
		}
		return tx.CreateSigningKey(ctx, key)
	})
	if err != nil {
		return SigningKey{}, err
	}
	if err := s.loadKeysLocked(ctx, c); err != nil {
		return SigningKey{}, err
	}
	if k, ok := currentKey(c.keys); ok {
		return k, nil
	}
	return key, nil
}

// retention is how long retired keys keep verifying: keyRetention, or longer
// when a policy issues id_tokens that live longer.
func (s *Service) retention() time.Duration {
	d := keyRetention
	for _, p := range s.cfg.Policies {
		if p.IDToken && p.Access+idTokenLeeway > d {
			d = p.Access + idTokenLeeway
		}
	}
	return d
}

// verificationKeys returns the keys that verify tokens at now: the current key
// and the keys retired less than retention() ago.
func (s *Service) verificationKeys(keys []SigningKey, now time.Time) []SigningKey {
	keep := s.retention()
	var out []SigningKey
	for i, k := range keys {
		if len(k.Public) != ed25519.PublicKeySize {
			continue
		}
		if at := retiredAt(keys, i); at != nil && now.Sub(*at) >= keep {
			continue
		}
		out = append(out, k)
	}
	return out
}

// publicKeys returns the verification keys, ensuring a signing key exists.
func (s *Service) publicKeys(ctx context.Context) ([]SigningKey, error) {
	if _, err := s.signingKey(ctx); err != nil {
		return nil, err
	}
	c := s.keyCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, err := s.keysLocked(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.verificationKeys(keys, s.clock()), nil
}

// verificationKey finds the key with kid among the verification keys. An
// unknown kid reloads the keys (at most once per keyReload), since another
// instance may have rotated.
func (s *Service) verificationKey(ctx context.Context, kid string) (SigningKey, bool, error) {
	c := s.keyCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, err := s.keysLocked(ctx, c)
	if err != nil {
		return SigningKey{}, false, err
	}
	now := s.clock()
	find := func(keys []SigningKey) (SigningKey, bool) {
		for _, k := range s.verificationKeys(keys, now) {
			if k.KID == kid {
				return k, true
			}
		}
		return SigningKey{}, false
	}
	if k, ok := find(keys); ok {
		return k, true, nil
	}
	if now.Sub(c.loadedAt) < keyReload && !now.Before(c.loadedAt) {
		return SigningKey{}, false, nil
	}
	if err := s.loadKeysLocked(ctx, c); err != nil {
		return SigningKey{}, false, err
	}
	k, ok := find(c.keys)
	return k, ok, nil
}
