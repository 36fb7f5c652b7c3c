package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"time"
)

// Test hooks for the external test package (auth_test).
var (
	SignIDToken    = (*Service).signIDToken
	CheckOTP       = (*Service).checkOTP
	SigningKeyOf   = (*Service).signingKey
	TOTPCode       = totpCode
	HOTP           = hotp
	DecodeSecret   = decodeSecret
	IDTokenLeeway  = idTokenLeeway
	KeyRetention   = keyRetention
	TOTPSecretSize = totpSecretBytes
)

// SignRaw signs header.payload (raw JSON, base64url-encoded here) with the
// service's current signing key, so tests can forge well-signed tokens with
// arbitrary claims.
func SignRaw(s *Service, ctx context.Context, header, payload string) (string, error) {
	k, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(k.Private), []byte(input))
	return input + "." + enc.EncodeToString(sig), nil
}

// OccupyPool takes every slot of a's hash pool and sets its measured
// service time, as a flood of logins would; release gives the slots back.
func OccupyPool(a *Argon2, service time.Duration) (release func()) {
	var held []time.Time
	for range a.pool.slots {
		started, _ := a.pool.acquire(false)
		held = append(held, started)
	}
	a.pool.mu.Lock()
	a.pool.service = service
	a.pool.mu.Unlock()
	return func() {
		for _, s := range held {
			a.pool.release(s)
		}
	}
}

// StartProxyGrant is startProxy with a grant token for the new session,
// for any dialect (only kuroco's alias_login asks for one in production).
func StartProxyGrant(s *Service, ctx context.Context, a Actor, targetID int64, via, reason string) (Grant, error) {
	_, _, g, err := s.startProxy(ctx, a, targetID, via, reason, true)
	return g, err
}
