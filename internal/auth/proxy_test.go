package auth_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// proxyEnv holds an actor A, a target B who allows A, and helpers.
type proxyEnv struct {
	e    *authtest.Env
	a, b auth.Member
}

func newProxyEnv(t *testing.T) *proxyEnv {
	t.Helper()
	e := authtest.New(t, auth.Config{})
	p := &proxyEnv{e: e, a: e.Member(t, "alice@example.com", pw), b: e.Member(t, "bob@example.com", pw)}
	p.grant(t, p.b.ID, p.a.ID)
	return p
}

func (p *proxyEnv) grant(t *testing.T, target, actor int64) auth.ProxyGrant {
	t.Helper()
	g := auth.ProxyGrant{TargetID: target, ActorID: actor}
	if err := p.e.Store.Update(ctx, func(tx auth.Tx) error { return tx.GrantProxy(ctx, &g) }); err != nil {
		t.Fatal(err)
	}
	return g
}

// actor signs m in on the pages and returns the Actor of that session.
func (p *proxyEnv) actor(t *testing.T, m auth.Member) auth.Actor {
	t.Helper()
	mm, sess, err := p.e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage,
		Meta: auth.ClientMeta{IP: "203.0.113.7", UserAgent: "proxy-test/1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	return auth.Actor{Member: mm, Session: sess, Meta: sess2meta(sess)}
}

func sess2meta(s auth.Session) auth.ClientMeta {
	return auth.ClientMeta{IP: s.IP, UserAgent: s.UserAgent}
}

// as returns the Actor of a proxy session.
func (p *proxyEnv) as(t *testing.T, sess auth.Session) auth.Actor {
	t.Helper()
	m, s, err := p.e.Svc.Authenticate(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Actor{Member: m, Session: s, Meta: sess2meta(s)}
}

func (p *proxyEnv) audit(t *testing.T, action string) []auth.AuditEntry {
	t.Helper()
	list, err := p.e.Store.ListAudit(ctx, auth.AuditQuery{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestProxyStartAndStop(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)

	targets, err := p.e.Svc.ProxyTargets(ctx, a)
	if err != nil || len(targets) != 1 || targets[0].ID != p.b.ID {
		t.Fatalf("targets: %v %v", targets, err)
	}
	m, sess, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != p.b.ID || sess.MemberID != p.b.ID || sess.ActorID != p.a.ID || sess.ID == a.Session.ID ||
		!sess.ExpiresAt.Equal(sess.CreatedAt.Add(auth.ProxyTTL)) {
		t.Fatalf("proxy session %+v", sess)
	}
	pa := p.as(t, sess)
	if !pa.Proxied() || pa.RealID() != p.a.ID {
		t.Fatalf("actor %+v", pa)
	}
	// X6: the start is audited with actor, subject, grant, IP and UA.
	starts := p.audit(t, auth.AuditProxyStart)
	g, _ := p.e.Store.ProxyGrantOf(ctx, p.b.ID, p.a.ID)
	if len(starts) != 1 || starts[0].ActorID != p.a.ID || starts[0].SubjectID != p.b.ID || starts[0].GrantID != g.ID ||
		starts[0].IP != "203.0.113.7" || starts[0].UserAgent != "proxy-test/1.0" || starts[0].At.IsZero() {
		t.Fatalf("start audit %+v", starts)
	}
	// B sees "A signed in as you".
	act, err := p.e.Svc.ProxyActivity(ctx, p.b.ID)
	if err != nil || len(act) != 1 || !strings.Contains(act[0].Detail, "signed in as") {
		t.Fatalf("activity %+v %v", act, err)
	}
	an, tn, err := p.e.Svc.ProxyBanner(ctx, sess)
	if err != nil || an != p.a.DisplayName() || tn != p.b.DisplayName() {
		t.Fatalf("banner %q %q %v", an, tn, err)
	}

	// X5: stop ends the proxy session, A's own session lives on.
	if err := p.e.Svc.StopProxy(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("proxy session after stop: %v", err)
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, a.Session.ID); err != nil {
		t.Fatalf("A after stop: %v", err)
	}
	stops := p.audit(t, auth.AuditProxyStop)
	if len(stops) != 1 || stops[0].ActorID != p.a.ID || stops[0].SubjectID != p.b.ID || stops[0].GrantID != g.ID ||
		stops[0].IP != "203.0.113.7" {
		t.Fatalf("stop audit %+v", stops)
	}
	if err := p.e.Svc.StopProxy(ctx, a); code(err) != auth.EINVALID {
		t.Fatalf("stop outside a proxy session: %v", err)
	}
}

func TestProxyRefusals(t *testing.T) {
	p := newProxyEnv(t)
	c := p.e.Member(t, "carol@example.com", pw) // allows nobody
	d := p.e.Member(t, "dave@example.com", pw)  // allows A, then suspended
	p.grant(t, d.ID, p.a.ID)
	if err := p.e.Svc.AdminSetStatus(ctx, auth.Actor{CLI: true}, d.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	adm := p.e.Member(t, "root@example.com", pw) // allows A, but is an admin (X3)
	p.grant(t, adm.ID, p.a.ID)
	if err := p.e.Store.Update(ctx, func(tx auth.Tx) error {
		return tx.SetRoles(ctx, adm.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleAdmin}})
	}); err != nil {
		t.Fatal(err)
	}
	a := p.actor(t, p.a)

	want := "You are not allowed to log in as this member."
	for name, target := range map[string]int64{
		"no grant (X1)": c.ID, "nonexistent (X1)": 999999, "self (X5)": p.a.ID,
		"suspended (X5)": d.ID, "admin target (X3)": adm.ID,
	} {
		_, _, err := p.e.Svc.StartProxy(ctx, a, target, auth.ViaPage, "support ticket 42")
		if code(err) != auth.EFORBIDDEN || auth.ErrorMessage(err) != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	targets, _ := p.e.Svc.ProxyTargets(ctx, a)
	if len(targets) != 1 || targets[0].ID != p.b.ID {
		t.Errorf("targets list only B: %+v", targets)
	}

	// X2: no chains, even with a grant B→C.
	p.grant(t, c.ID, p.b.ID)
	_, sess, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	pa := p.as(t, sess)
	if _, _, err := p.e.Svc.StartProxy(ctx, pa, c.ID, auth.ViaPage, "support ticket 42"); code(err) != auth.EFORBIDDEN || auth.ErrorMessage(err) != want {
		t.Errorf("chain: %v", err)
	}
	if ts, _ := p.e.Svc.ProxyTargets(ctx, pa); len(ts) != 0 {
		t.Errorf("a proxy session lists targets: %+v", ts)
	}

	// X6: every refusal is audited, the chain one under the real actor A.
	refused := p.audit(t, auth.AuditProxyRefused)
	if len(refused) != 6 {
		t.Fatalf("refusals audited: %d", len(refused))
	}
	for _, r := range refused {
		if r.ActorID != p.a.ID || r.IP != "203.0.113.7" || r.UserAgent != "proxy-test/1.0" {
			t.Errorf("refusal audit %+v", r)
		}
	}

	// Re-authentication: A's sign-in must be at most 15 minutes old.
	p.e.Clock.Advance(auth.ProxyReauthAge + time.Minute)
	a2 := a
	a2.Session.LastUsedAt = a2.Session.CreatedAt.Add(auth.ProxyReauthAge) // still alive, but old
	if _, _, err := p.e.Svc.StartProxy(ctx, a2, p.b.ID, auth.ViaPage, "support ticket 42"); code(err) != auth.EFORBIDDEN ||
		!strings.Contains(auth.ErrorMessage(err), "sign in again") {
		t.Errorf("stale authentication: %v", err)
	}
	fresh := p.actor(t, p.a)
	if _, _, err := p.e.Svc.StartProxy(ctx, fresh, p.b.ID, auth.ViaPage, "support ticket 42"); err != nil {
		t.Errorf("fresh sign-in: %v", err)
	}
}

func TestProxySessionLimits(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)
	_, sess, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaKuroco, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	// X5: 60 minutes, whatever the activity (kuroco sessions have no idle limit).
	for i := 0; i < 5; i++ {
		p.e.Clock.Advance(11 * time.Minute)
		if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); err != nil {
			t.Fatalf("minute %d: %v", (i+1)*11, err)
		}
	}
	p.e.Clock.Advance(6 * time.Minute)
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("after 61 minutes: %v", err)
	}

	// X1: revoking the grant ends a running proxy session on its next
	// request, even without RevokeProxySessions.
	a = p.actor(t, p.a)
	_, sess, err = p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Store.Update(ctx, func(tx auth.Tx) error { return tx.RevokeProxy(ctx, p.b.ID, p.a.ID) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("after revoke: %v", err)
	}
	// B's own sessions are untouched.
	bs := p.actor(t, p.b)
	if _, _, err := p.e.Svc.Authenticate(ctx, bs.Session.ID); err != nil {
		t.Fatal(err)
	}

	// Suspending the actor ends their proxy sessions too.
	p.grant(t, p.b.ID, p.a.ID)
	a = p.actor(t, p.a)
	_, sess, err = p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.e.Svc.AdminSetStatus(ctx, auth.Actor{CLI: true}, p.a.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.e.Svc.Authenticate(ctx, sess.ID); code(err) != auth.EUNAUTHORIZED {
		t.Fatalf("after suspending the actor: %v", err)
	}
}

func TestProxyGuards(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)
	_, sess, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	// X4: the password cannot change inside a proxy session.
	err = p.e.Svc.ChangePassword(ctx, auth.ChangePasswordInput{SessionID: sess.ID, Current: pw, New: "another fine passphrase"})
	if code(err) != auth.EFORBIDDEN {
		t.Fatalf("change password while proxied: %v", err)
	}
	if err := p.e.Svc.GuardProxy(ctx, sess.ID); code(err) != auth.EFORBIDDEN {
		t.Fatalf("guard: %v", err)
	}
	if err := p.e.Svc.GuardProxy(ctx, a.Session.ID); err != nil {
		t.Fatalf("guard of the actor's own session: %v", err)
	}
	// An unknown (or absent) session is refused, never let through.
	for _, id := range []int64{0, 987654} {
		if err := p.e.Svc.GuardProxy(ctx, id); code(err) != auth.EUNAUTHORIZED {
			t.Fatalf("guard %d: %v, want unauthorized", id, err)
		}
	}
	// X3: no member editor inside a proxy session.
	if _, err := p.e.Svc.AdminListMembers(ctx, p.as(t, sess), auth.MemberFilter{}); code(err) != auth.EFORBIDDEN {
		t.Fatalf("admin list while proxied: %v", err)
	}
}

func TestAliasLogin(t *testing.T) {
	p := newProxyEnv(t)
	tok := login(t, p.e, auth.ViaKuroco, p.a.Email)
	m, g, err := p.e.Svc.AliasLogin(ctx, tok.Session, p.b.ID, "support ticket 42")
	if err != nil || m.ID != p.b.ID || g.Token == "" {
		t.Fatalf("alias login: %+v %v", m, err)
	}
	m2, t2, err := p.e.Svc.ExchangeGrant(ctx, g.Token, auth.ClientMeta{})
	if err != nil || m2.ID != p.b.ID || t2.Session.ActorID != p.a.ID {
		t.Fatalf("exchange: %+v %+v %v", m2, t2.Session, err)
	}
	if !t2.RefreshExpires.IsZero() && t2.RefreshExpires.After(t2.Session.ExpiresAt) {
		t.Errorf("refresh outlives the proxy cap: %v > %v", t2.RefreshExpires, t2.Session.ExpiresAt)
	}
	who, s, err := p.e.Svc.AuthenticateToken(ctx, t2.Access)
	if err != nil || who.ID != p.b.ID || s.ActorID != p.a.ID {
		t.Fatalf("token: %+v %v", s, err)
	}
	// The refused answer is the same for a missing and a forbidden target.
	c := p.e.Member(t, "carol@example.com", pw)
	_, _, err1 := p.e.Svc.AliasLogin(ctx, tok.Session, c.ID, "support ticket 42")
	_, _, err2 := p.e.Svc.AliasLogin(ctx, tok.Session, 424242, "support ticket 42")
	if code(err1) != auth.EFORBIDDEN || auth.ErrorMessage(err1) != auth.ErrorMessage(err2) || code(err2) != auth.EFORBIDDEN {
		t.Fatalf("refusals differ: %v / %v", err1, err2)
	}
	// No chain from the proxy session's own token.
	if _, _, err := p.e.Svc.AliasLogin(ctx, s, c.ID, "support ticket 42"); code(err) != auth.EFORBIDDEN {
		t.Fatalf("chain: %v", err)
	}
}

// TestReturnSession: after a proxy session only the actor's own, live,
// non-proxy session is restored.
func TestReturnSession(t *testing.T) {
	p := newProxyEnv(t)
	a := p.actor(t, p.a)
	_, proxied, err := p.e.Svc.StartProxy(ctx, a, p.b.ID, auth.ViaPage, "support ticket 42")
	if err != nil {
		t.Fatal(err)
	}
	asB := p.as(t, proxied)
	bOwn := p.actor(t, p.b)
	for _, c := range []struct {
		name string
		id   int64
		want bool
	}{
		{"none saved", 0, false},
		{"the actor's own session", a.Session.ID, true},
		{"the target's session", bOwn.Session.ID, false},
		{"the proxy session itself", proxied.ID, false},
	} {
		m, own, ok, err := p.e.Svc.ReturnSession(ctx, asB, c.id)
		if err != nil || ok != c.want || (ok && (m.ID != p.a.ID || own.ID != a.Session.ID)) {
			t.Errorf("%s: member %d session %d ok %v err %v, want ok %v", c.name, m.ID, own.ID, ok, err, c.want)
		}
	}
	if err := p.e.Svc.Logout(ctx, a.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := p.e.Svc.ReturnSession(ctx, asB, a.Session.ID); ok || err != nil {
		t.Errorf("ended own session: ok %v err %v, want neither", ok, err)
	}
}
