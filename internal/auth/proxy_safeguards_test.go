package auth_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

func TestProxyReasonRequired(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)
	c := p.e.Member(t, "carol@example.com", pw) // no grant

	for _, reason := range []string{"", "  ", "ab", strings.Repeat("x", 501)} {
		_, _, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, reason)
		if code(err) != auth.EINVALID || auth.ErrorFields(err)["reason"] == "" {
			t.Errorf("reason %q: %v", reason, err)
		}
	}
	// A target the actor may not log in as is refused the same way with or
	// without a reason: a missing reason tells nothing about it.
	if _, _, err := p.e.Svc.StartProxy(ctx, a, c.ID, auth.ViaPage, ""); code(err) != auth.EFORBIDDEN {
		t.Errorf("no grant, no reason: %v", err)
	}
	if got := p.audit(t, auth.AuditProxyStart); len(got) != 0 {
		t.Fatalf("proxy.start written without a valid reason: %+v", got)
	}

	_, sess, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "  support ticket 42  ")
	if err != nil {
		t.Fatal(err)
	}
	starts := p.audit(t, auth.AuditProxyStart)
	if len(starts) != 1 || !strings.HasSuffix(starts[0].Detail, "Reason: support ticket 42") ||
		starts[0].ActorID != p.a.ID || starts[0].SubjectID != p.b.ID {
		t.Fatalf("proxy.start entries %+v", starts)
	}
	// The member is told by mail, with who and why.
	var notice *auth.Mail
	for _, m := range p.e.Mails(t) {
		if m.Kind == auth.MailSecurityNotice && m.To == p.b.Email {
			notice = &m
			break
		}
	}
	if notice == nil || notice.Data["event"] != auth.AuditProxyStart || !strings.Contains(notice.Data["detail"], "support ticket 42") ||
		!strings.Contains(notice.Data["detail"], p.a.Email) || !strings.HasSuffix(notice.Data["link"], "/account/activity") {
		t.Fatalf("notice to the target: %+v", notice)
	}
	if !sess.ExpiresAt.Equal(sess.CreatedAt.Add(auth.ProxyTTL)) {
		t.Errorf("default cap: session %v → %v", sess.CreatedAt, sess.ExpiresAt)
	}
}

// TestProxyCapThroughRefresh: a proxy session's tokens, in a dialect that
// refreshes (wme), never outlive the configured cap however often they are
// refreshed, and its id_tokens name the actor in an RFC 8693 act claim.
func TestProxyCapThroughRefresh(t *testing.T) {
	const capAge = 20 * time.Minute
	e := authtest.New(t, auth.Config{ProxyMaxAge: capAge})
	p := &proxyEnv{e: e, a: e.Member(t, "alice@example.com", pw), b: e.Member(t, "bob@example.com", pw)}
	p.grant(t, p.b.ID, p.a.ID)
	a := p.actor(t, p.a)

	g, err := auth.StartProxyGrant(e.Svc, ctx, a, p.b.ID, auth.ViaWME, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	m, tok, err := e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{})
	if err != nil || m.ID != p.b.ID {
		t.Fatalf("exchange: %v %v", m.ID, err)
	}
	capAt := tok.Session.CreatedAt.Add(capAge)
	if !tok.Session.ExpiresAt.Equal(capAt) || tok.Refresh == "" || tok.RefreshExpires.After(capAt) || tok.AccessExpires.After(capAt) {
		t.Fatalf("tokens outlive the cap %v: session %v, refresh %v, access %v", capAt, tok.Session.ExpiresAt, tok.RefreshExpires, tok.AccessExpires)
	}
	checkAct := func(idToken string) {
		t.Helper()
		c, err := e.Svc.VerifyIDToken(ctx, idToken)
		if err != nil || c.ActorID != p.a.ID || c.Subject != strconv.FormatInt(p.b.ID, 10) || c.ExpiresAt > capAt.Unix() {
			t.Errorf("id_token claims %+v, %v; want act.sub %d, sub %d, exp ≤ %d", c, err, p.a.ID, p.b.ID, capAt.Unix())
		}
	}
	checkAct(tok.IDToken)

	// Refreshing within the cap works and still ends at the cap.
	e.Clock.Advance(capAge / 2)
	_, next, err := e.Svc.RefreshTokens(ctx, auth.ViaWME, tok.Refresh)
	if err != nil {
		t.Fatalf("refresh within the cap: %v", err)
	}
	if next.AccessExpires.After(capAt) || (!next.RefreshExpires.IsZero() && next.RefreshExpires.After(capAt)) {
		t.Errorf("refreshed tokens outlive the cap: access %v, refresh %v", next.AccessExpires, next.RefreshExpires)
	}
	checkAct(next.IDToken)

	// Past the cap, refresh is refused.
	e.Clock.Advance(capAge/2 + time.Second)
	if _, _, err := e.Svc.RefreshTokens(ctx, auth.ViaWME, tok.Refresh); err == nil {
		t.Fatal("refresh after the cap succeeded")
	}
}
