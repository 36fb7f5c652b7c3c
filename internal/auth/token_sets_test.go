package auth_test

import (
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// TestLoginTokenSetLifetimes: one login issues directus and openapi tokens,
// each with its own dialect's lifetimes, in one session; logging out one
// family ends the other.
func TestLoginTokenSetLifetimes(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", pw)
	now := e.Clock.Now()
	_, sets, err := e.Svc.LoginTokenSet(ctx, auth.LoginInput{Identifier: "ann@example.com", Password: pw, Via: auth.ViaDirectus},
		auth.TokenRequest{Policy: auth.ViaDirectus}, auth.TokenRequest{Policy: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	d, o := sets[0], sets[1]
	for _, c := range []struct {
		name string
		got  time.Time
		want time.Duration
	}{
		{"directus access", d.AccessExpires, 15 * time.Minute},
		{"directus refresh", d.RefreshExpires, 7 * 24 * time.Hour},
		{"openapi access", o.AccessExpires, 24 * time.Hour},
		{"openapi refresh", o.RefreshExpires, 12 * 24 * time.Hour},
	} {
		if got := c.got.Sub(now).Round(time.Second); got != c.want {
			t.Errorf("%s lives %v, want %v", c.name, got, c.want)
		}
	}
	if d.Session.ID != o.Session.ID || d.Access == o.Access || d.Refresh == o.Refresh {
		t.Fatalf("want two families in one session: %+v %+v", d, o)
	}
	_, r, err := e.Svc.RefreshTokens(ctx, auth.ViaOpenAPI, o.Refresh)
	if err != nil || r.AccessExpires.Sub(now).Round(time.Second) != 24*time.Hour {
		t.Fatalf("openapi refresh: %v %v", err, r.AccessExpires.Sub(now))
	}
	if err := e.Svc.RevokeRefreshToken(ctx, d.Refresh); err != nil {
		t.Fatal(err)
	}
	if alive(e, o.Access) || alive(e, r.Access) || alive(e, d.Access) {
		t.Fatal("a token of the session survived its logout")
	}
}

// TestDirectusSessionMode: session mode issues one access token of a day
// and no refresh token; RenewAccessToken swaps it for a new one and kills
// the old; a dead session or unknown token is refused.
func TestDirectusSessionMode(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", pw)
	now := e.Clock.Now()
	_, sets, err := e.Svc.LoginTokenSet(ctx, auth.LoginInput{Identifier: "ann@example.com", Password: pw, Via: auth.ViaDirectus},
		auth.TokenRequest{Policy: auth.ViaDirectusSession})
	if err != nil {
		t.Fatal(err)
	}
	s := sets[0]
	if s.Refresh != "" || s.AccessExpires.Sub(now).Round(time.Second) != 24*time.Hour {
		t.Fatalf("session mode tokens: %+v", s)
	}
	e.Clock.Advance(time.Minute)
	_, s2, err := e.Svc.RenewAccessToken(ctx, auth.ViaDirectusSession, s.Access)
	if err != nil || s2.Access == s.Access || s2.Refresh != "" {
		t.Fatalf("renew: %v %+v", err, s2)
	}
	if alive(e, s.Access) || !alive(e, s2.Access) {
		t.Fatal("renew must kill the old token and keep the new one")
	}
	if _, _, err := e.Svc.RenewAccessToken(ctx, auth.ViaDirectusSession, s.Access); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("renew with the old token: %v", err)
	}
	if _, _, err := e.Svc.RenewAccessToken(ctx, auth.ViaDirectusSession, "nope"); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("renew unknown: %v", err)
	}
	if err := e.Svc.LogoutToken(ctx, s2.Access); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.RenewAccessToken(ctx, auth.ViaDirectusSession, s2.Access); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("renew after logout: %v", err)
	}
}
