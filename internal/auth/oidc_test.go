package auth_test

import (
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// oidcClient registers a client for the proxy env's tests.
func (p *proxyEnv) oidcClient(t *testing.T, in auth.ClientInput) auth.Client {
	t.Helper()
	if in.Name == "" {
		in.Name = "App"
	}
	in.RedirectURIs = []string{"https://app.example/cb"}
	c, _, err := p.e.Svc.CreateClient(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// oidcSignedIn runs a request up to its code for the session.
func (p *proxyEnv) oidcSignedIn(t *testing.T, c auth.Client, sessionID int64, code string) auth.OIDCRequest {
	t.Helper()
	r, err := p.e.Svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: c.ClientID, RedirectURI: "https://app.example/cb",
		CodeChallenge: "x", CodeMethod: "S256", Request: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.SignInOIDCRequest(ctx, r.ID, sessionID, auth.OIDCPrompt{MaxAge: -1, Scopes: []string{"openid"}}); err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.SetOIDCCode(ctx, r.ID, code); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOIDCRequestRules: an unregistered redirect URI, a public client
// without PKCE and the plain method are refused; a request expires after
// OIDCRequestTTL; its code is single use and dies with its session.
func TestOIDCRequestRules(t *testing.T) {
	p := newProxyEnv(t)
	pub := p.oidcClient(t, auth.ClientInput{Public: true, FirstParty: true})
	for _, in := range []auth.OIDCStart{
		{ClientID: pub.ClientID, RedirectURI: "https://evil.example/cb", CodeChallenge: "x", CodeMethod: "S256"},
		{ClientID: pub.ClientID, RedirectURI: "https://app.example/cb"},
		{ClientID: pub.ClientID, RedirectURI: "https://app.example/cb", CodeChallenge: "x", CodeMethod: "plain"},
	} {
		if _, err := p.e.Svc.StartOIDCRequest(ctx, in); auth.ErrorCode(err) != auth.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", in, err)
		}
	}
	if _, err := p.e.Svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: "nobody", RedirectURI: "https://app.example/cb"}); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("unknown client: %v", err)
	}
	a := p.actor(t, p.a)
	r, err := p.e.Svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: pub.ClientID, RedirectURI: "https://app.example/cb", CodeChallenge: "x", CodeMethod: "S256", Request: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	p.e.Clock.Advance(auth.OIDCRequestTTL + time.Second)
	if _, err := p.e.Svc.OIDCRequest(ctx, r.ID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("expired request: %v", err)
	}
	if err := p.e.Svc.SignInOIDCRequest(ctx, r.ID, a.Session.ID, auth.OIDCPrompt{MaxAge: -1}); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("sign-in of an expired request: %v", err)
	}

	r = p.oidcSignedIn(t, pub, a.Session.ID, "code-1")
	got, err := p.e.Svc.OIDCRequestByCode(ctx, "code-1")
	if err != nil || got.ID != r.ID || got.MemberID != p.a.ID {
		t.Fatalf("OIDCRequestByCode = %+v, %v", got, err)
	}
	if err := p.e.Svc.UseOIDCRequest(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.e.Svc.OIDCRequestByCode(ctx, "code-1"); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("used code: %v", err)
	}
	p.oidcSignedIn(t, pub, a.Session.ID, "code-2")
	if err := p.e.Svc.Logout(ctx, a.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.e.Svc.OIDCRequestByCode(ctx, "code-2"); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("code of an ended session: %v", err)
	}
}

// TestOIDCRefreshReuse: a rotated refresh token presented within the
// grace is refused without harm; later it is reuse and ends the session
// (every token of it). Another client's refresh token is refused.
func TestOIDCRefreshReuse(t *testing.T) {
	p := newProxyEnv(t)
	c := p.oidcClient(t, auth.ClientInput{FirstParty: true})
	other := p.oidcClient(t, auth.ClientInput{FirstParty: true})
	a := p.actor(t, p.a)
	tok, err := p.e.Svc.OIDCIssue(ctx, c.ClientID, a.Session.ID, []string{"openid", "offline_access"}, true)
	if err != nil || tok.Refresh == "" || tok.Access == "" {
		t.Fatalf("OIDCIssue = %+v, %v", tok, err)
	}
	if _, err := p.e.Svc.OIDCRotate(ctx, other.ClientID, tok.Refresh, nil); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("another client's refresh token: %v", err)
	}
	next, err := p.e.Svc.OIDCRotate(ctx, c.ClientID, tok.Refresh, nil)
	if err != nil || next.Refresh == tok.Refresh {
		t.Fatalf("rotate: %+v, %v", next, err)
	}
	if _, err := p.e.Svc.OIDCRotate(ctx, c.ClientID, tok.Refresh, nil); err == nil {
		t.Fatal("the rotated token worked again")
	}
	if _, err := p.e.Svc.OIDCToken(ctx, next.Access, auth.CredAccess, ""); err != nil {
		t.Fatalf("a replay within the grace ended the session: %v", err)
	}
	p.e.Clock.Advance(auth.RefreshGrace + time.Second)
	if _, err := p.e.Svc.OIDCRotate(ctx, c.ClientID, tok.Refresh, nil); err == nil {
		t.Fatal("reuse accepted")
	}
	if _, err := p.e.Svc.OIDCToken(ctx, next.Access, auth.CredAccess, ""); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("after reuse the session's access token still works: %v", err)
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, a.Session.ID); err == nil {
		t.Error("after reuse the session is still live")
	}
}

// TestOIDCProxySessions: a client that refuses proxy sessions refuses
// one; otherwise the request names the actor, and no token outlives the
// proxy session's end; a proxy session cannot consent for the member.
func TestOIDCProxySessions(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)
	_, proxy, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	refusing := p.oidcClient(t, auth.ClientInput{FirstParty: true, RefuseProxy: true})
	r, err := p.e.Svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: refusing.ClientID, RedirectURI: "https://app.example/cb", Request: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.SignInOIDCRequest(ctx, r.ID, proxy.ID, auth.OIDCPrompt{MaxAge: -1}); auth.ErrorCode(err) != auth.EFORBIDDEN {
		t.Errorf("refusing client: %v", err)
	}
	c := p.oidcClient(t, auth.ClientInput{FirstParty: true})
	p.oidcSignedIn(t, c, proxy.ID, "code-p")
	got, err := p.e.Svc.OIDCRequestByCode(ctx, "code-p")
	if err != nil || got.MemberID != p.b.ID || got.ActorID != p.a.ID {
		t.Fatalf("proxy request: %+v, %v", got, err)
	}
	tok, err := p.e.Svc.OIDCIssue(ctx, c.ClientID, proxy.ID, []string{"openid"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessExpires.After(proxy.ExpiresAt) || tok.RefreshExpires.After(proxy.ExpiresAt) {
		t.Errorf("tokens outlive the proxy session: access %v refresh %v, session ends %v", tok.AccessExpires, tok.RefreshExpires, proxy.ExpiresAt)
	}
	third := p.oidcClient(t, auth.ClientInput{})
	r, err = p.e.Svc.StartOIDCRequest(ctx, auth.OIDCStart{ClientID: third.ClientID, RedirectURI: "https://app.example/cb", Request: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.SignInOIDCRequest(ctx, r.ID, proxy.ID, auth.OIDCPrompt{MaxAge: -1, Scopes: []string{"openid"}}); err != auth.ErrOIDCConsentRequired {
		t.Errorf("third party without consent: %v", err)
	}
	if err := p.e.Svc.GrantOIDCConsent(ctx, r.ID, proxy.ID, []string{"openid"}); auth.ErrorCode(err) != auth.EFORBIDDEN {
		t.Errorf("consent from a proxy session: %v", err)
	}
}

// TestOIDCClientTokens: client_credentials gives a confidential client a
// session-less token without member scopes, which no member door accepts;
// a public client gets none; deleting a client ends its own token and the
// members' tokens it was issued.
func TestOIDCClientTokens(t *testing.T) {
	p := newProxyEnv(t)
	c := p.oidcClient(t, auth.ClientInput{FirstParty: true})
	pub := p.oidcClient(t, auth.ClientInput{Public: true})
	if _, _, err := p.e.Svc.OIDCClientToken(ctx, pub.ClientID, nil); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("public client: %v", err)
	}
	tok, kept, err := p.e.Svc.OIDCClientToken(ctx, c.ClientID, []string{"openid", "reports", "email", "reports"})
	if err != nil || tok.Access == "" || len(kept) != 1 || kept[0] != "reports" {
		t.Fatalf("OIDCClientToken = %+v %v, %v", tok, kept, err)
	}
	if g, err := p.e.Svc.OIDCClientGrant(ctx, tok.Access, c.ClientID); err != nil || g.ClientID != c.ClientID || g.Member.ID != 0 {
		t.Fatalf("OIDCClientGrant = %+v, %v", g, err)
	}
	if _, _, err := p.e.Svc.AuthenticateToken(ctx, tok.Access); err == nil {
		t.Error("a client token authenticates as a member")
	}
	if _, err := p.e.Svc.OIDCToken(ctx, tok.Access, auth.CredAccess, ""); err == nil {
		t.Error("a client token passes as a member's access token")
	}
	a := p.actor(t, p.a)
	member, err := p.e.Svc.OIDCIssue(ctx, c.ClientID, a.Session.ID, []string{"openid"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.DeleteClient(ctx, c.ClientID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.e.Svc.OIDCClientGrant(ctx, tok.Access, c.ClientID); err == nil {
		t.Error("a deleted client's own token still works")
	}
	if _, err := p.e.Svc.OIDCToken(ctx, member.Access, auth.CredAccess, ""); err == nil {
		t.Error("a member's token of a deleted client still works")
	}
}
