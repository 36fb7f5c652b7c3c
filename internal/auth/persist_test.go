package auth_test

import (
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// Checklist L5 beyond the lockout counter (TestLockoutPersists): a security
// event is committed although the request that caused it fails, and a
// restart (authtest's Reopen: a new store on the same file, with an empty
// cache, and a new service) keeps it.

// TestRefreshReuseSurvivesRestart: replaying a rotated refresh token fails
// the request and revokes the family; after a restart the family stays
// revoked.
func TestRefreshReuseSurvivesRestart(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "cy@example.com", pw)
	first := login(t, e, auth.ViaDirectus, "cy@example.com")
	_, second, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, first.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	_, third, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, second.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if !alive(e, third.Access) {
		t.Fatal("the current access token does not work")
	}
	e.Clock.Advance(auth.RefreshGrace + time.Second)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, first.Refresh); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("replayed first refresh token: %v, want EUNAUTHORIZED", err)
	}
	e.Reopen(t)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaDirectus, third.Refresh); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("the family's current refresh token after a restart: %v, want EUNAUTHORIZED", err)
	}
	if alive(e, third.Access) {
		t.Error("the family's access token works after a restart")
	}
	if s, err := e.Store.SessionByID(ctx, third.Session.ID); err != nil || s.RevokedAt == nil {
		t.Errorf("the family's session after a restart: %+v, %v; want revoked", s, err)
	}
}

// TestOneTimeCodesSurviveRestart: wrong codes count on the pending login
// although each request fails, the count carries over a restart (the fifth
// wrong code, after it, ends the pending login), and a code that was
// accepted stays used after a restart.
func TestOneTimeCodesSurviveRestart(t *testing.T) {
	l := newLockEnv(t, auth.Config{})
	m := l.Member(t, "ann@example.com", rightPassword)
	now, challenge := l.enableMFA(t, m)
	restart := func() {
		l.Reopen(t)
		l.svc, l.hasher = l.restart(t, auth.Config{})
	}
	c := challenge()
	for i := range 2 {
		if _, _, err := l.svc.CompleteMFA(l.ctx, c, wrongCode(now()), auth.ClientMeta{}); code(err) != auth.EOTP {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	restart()
	for i := range 3 {
		if _, _, err := l.svc.CompleteMFA(l.ctx, c, wrongCode(now()), auth.ClientMeta{}); code(err) != auth.EOTP {
			t.Fatalf("wrong code %d after the restart: %v", i+3, err)
		}
	}
	if _, _, err := l.svc.CompleteMFA(l.ctx, c, now(), auth.ClientMeta{}); err == nil {
		t.Fatal("the pending login survived 5 wrong codes across a restart")
	}

	// An accepted code is used up, restart or not.
	accepted := now()
	if _, _, err := l.svc.CompleteMFA(l.ctx, challenge(), accepted, auth.ClientMeta{}); err != nil {
		t.Fatalf("right code: %v", err)
	}
	restart()
	if _, _, err := l.svc.CompleteMFA(l.ctx, challenge(), accepted, auth.ClientMeta{}); code(err) != auth.EOTP {
		t.Errorf("the accepted code replayed after a restart: %v, want EOTP", err)
	}
}

// TestGrantAndProxySurviveRestart: an exchanged kuroco grant stays used, a
// revoked access token stays revoked, and a proxy session still ends at its
// 60-minute cap after a restart.
func TestGrantAndProxySurviveRestart(t *testing.T) {
	p := newProxyEnv(t)
	_, g, err := p.e.Svc.LoginChallenge(ctx, auth.LoginInput{Identifier: "bob@example.com", Password: pw, Via: auth.ViaKuroco})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := p.e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.LogoutToken(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	_, sess, err := p.e.Svc.StartProxy(ctx, p.actor(t, p.a), p.b.ID, auth.ViaKuroco, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	p.e.Clock.Advance(30 * time.Minute)
	p.e.Reopen(t)
	if _, _, err := p.e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{}); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("the exchanged grant after a restart: %v, want EUNAUTHORIZED", err)
	}
	if alive(p.e, tok.Access) {
		t.Error("a revoked access token works after a restart")
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); err != nil {
		t.Fatalf("the proxy session 30 minutes in, after a restart: %v", err)
	}
	p.e.Clock.Advance(31 * time.Minute)
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); code(err) != auth.EUNAUTHORIZED {
		t.Errorf("the proxy session after 61 minutes and a restart: %v, want EUNAUTHORIZED", err)
	}
}
