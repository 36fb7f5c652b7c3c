package auth_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func TestAdminProxyGrants(t *testing.T) {
	e := newAdmEnv(t)
	a := e.create(t, "a@example.com")
	b := e.create(t, "b@example.com")
	c := e.create(t, "c@example.com")
	admin := e.create(t, "admin@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleAdmin})

	g, err := e.Svc.AdminGrantProxy(e.ctx, e.owner, b.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == 0 || g.TargetID != b.ID || g.ActorID != a.ID || g.CreatedBy != e.owner.Member.ID {
		t.Errorf("grant %+v", g)
	}
	entry := e.lastAudit(t)
	admWantAudit(t, entry, auth.AuditProxyGrant, e.owner.Member.ID, b.ID, "a@example.com")
	if entry.GrantID != g.ID || entry.IP != "192.0.2.7" || entry.UserAgent != "test" {
		t.Errorf("grant audit %+v", entry)
	}
	if _, err := e.Svc.AdminGrantProxy(e.ctx, e.owner, b.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	gs, err := e.Svc.AdminProxyGrants(e.ctx, e.owner, b.ID)
	if err != nil || len(gs) != 2 {
		t.Errorf("grants of b: %v %v", gs, err)
	}
	_, err = e.Svc.AdminGrantProxy(e.ctx, e.owner, b.ID, a.ID)
	admWantCode(t, "duplicate grant", err, auth.ECONFLICT)
	_, err = e.Svc.AdminGrantProxy(e.ctx, e.owner, b.ID, b.ID)
	admWantCode(t, "grant to oneself", err, auth.EINVALID)
	_, err = e.Svc.AdminGrantProxy(e.ctx, e.owner, admin.ID, a.ID)
	admWantCode(t, "grant into an admin", err, auth.EFORBIDDEN)
	_, err = e.Svc.AdminGrantProxy(e.ctx, e.owner, b.ID, 999999)
	admWantCode(t, "unknown actor", err, auth.ENOTFOUND)

	// a runs a proxy session as b, and a session of its own.
	proxy := e.session(t, b.ID, a.ID)
	own := e.signIn(t, a)
	otherProxy := e.session(t, b.ID, c.ID)
	if _, _, err := e.Svc.Authenticate(e.ctx, proxy.ID); err != nil {
		t.Fatalf("proxy session before: %v", err)
	}
	if err := e.Svc.AdminRevokeProxy(e.ctx, e.owner, b.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Svc.Authenticate(e.ctx, proxy.ID); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("proxy session after revoke: %v", err)
	}
	for _, id := range []int64{own.Session.ID, otherProxy.ID} {
		if _, _, err := e.Svc.Authenticate(e.ctx, id); err != nil {
			t.Errorf("unrelated session %d ended: %v", id, err)
		}
	}
	entry = e.lastAudit(t)
	admWantAudit(t, entry, auth.AuditProxyRevoke, e.owner.Member.ID, b.ID, "1 proxy session(s) ended")
	if entry.GrantID != g.ID {
		t.Errorf("revoke audit grant %d, want %d", entry.GrantID, g.ID)
	}
	if _, err := e.Store.ProxyGrantOf(e.ctx, b.ID, a.ID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("grant still there: %v", err)
	}
	admWantCode(t, "revoke again", e.Svc.AdminRevokeProxy(e.ctx, e.owner, b.ID, a.ID), auth.ENOTFOUND)
}

func TestAdminOwnChangesNeedRecentSignIn(t *testing.T) {
	e := newAdmEnv(t)
	e.create(t, "second@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleOwner})
	b := e.create(t, "b@example.com")
	e.Clock.Advance(16 * time.Minute)
	stale := e.owner
	err := e.Svc.AdminSetRoles(e.ctx, stale, stale.Member.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleOwner}, {Group: auth.RootGroup, Role: auth.RoleMaker}})
	admWantCode(t, "own roles, stale sign-in", err, auth.EFORBIDDEN)
	if !strings.Contains(auth.ErrorMessage(err), "sign in again") {
		t.Errorf("message %q", auth.ErrorMessage(err))
	}
	_, err = e.Svc.AdminGrantProxy(e.ctx, stale, b.ID, stale.Member.ID)
	admWantCode(t, "own proxy right, stale sign-in", err, auth.EFORBIDDEN)
	// Others' roles need no fresh sign-in.
	if err := e.Svc.AdminSetRoles(e.ctx, stale, b.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleAdmin}}); err != nil {
		t.Errorf("other's roles: %v", err)
	}
	fresh := e.signIn(t, stale.Member)
	if err := e.Svc.AdminSetRoles(e.ctx, fresh, fresh.Member.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleOwner}, {Group: auth.RootGroup, Role: auth.RoleMaker}}); err != nil {
		t.Errorf("own roles, fresh sign-in: %v", err)
	}
	if _, err := e.Svc.AdminGrantProxy(e.ctx, fresh, b.ID, fresh.Member.ID); err == nil {
		t.Error("proxy into an admin was granted") // b is a User Administrator now
	}
}
