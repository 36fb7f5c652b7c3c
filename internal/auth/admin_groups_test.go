package auth_test

import (
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

func TestAdminGroups(t *testing.T) {
	e := newAdmEnv(t)
	sales, err := e.Svc.AdminCreateGroup(e.ctx, e.owner, "  Sales  ", 0)
	if err != nil {
		t.Fatal(err)
	}
	if sales.Name != "Sales" || sales.ParentID != auth.RootGroup {
		t.Errorf("created %+v", sales)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditGroupCreate, e.owner.Member.ID, 0, `"Sales"`)
	east, err := e.Svc.AdminCreateGroup(e.ctx, e.owner, "East", sales.ID)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := e.Svc.AdminCreateGroup(e.ctx, e.owner, "HR", auth.RootGroup)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 101), "a\x07b"} {
		_, err := e.Svc.AdminCreateGroup(e.ctx, e.owner, bad, 0)
		admWantCode(t, "name "+bad, err, auth.EINVALID)
	}
	_, err = e.Svc.AdminCreateGroup(e.ctx, e.owner, "Orphan", 99)
	admWantCode(t, "unknown parent", err, auth.EINVALID)

	// Rename and move.
	g, err := e.Svc.AdminUpdateGroup(e.ctx, e.owner, east.ID, "Sales East", hr.ID)
	if err != nil || g.Name != "Sales East" || g.ParentID != hr.ID {
		t.Fatalf("update: %+v %v", g, err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditGroupUpdate, e.owner.Member.ID, 0, `renamed "East" → "Sales East"`)
	// parent 0 keeps the parent.
	if g, err := e.Svc.AdminUpdateGroup(e.ctx, e.owner, east.ID, "East", 0); err != nil || g.ParentID != hr.ID {
		t.Errorf("rename only: %+v %v", g, err)
	}
	// No cycles; the root stays the root.
	_, err = e.Svc.AdminUpdateGroup(e.ctx, e.owner, hr.ID, "HR", east.ID)
	admWantCode(t, "move under own child", err, auth.EINVALID)
	_, err = e.Svc.AdminUpdateGroup(e.ctx, e.owner, hr.ID, "HR", hr.ID)
	admWantCode(t, "move under itself", err, auth.EINVALID)
	_, err = e.Svc.AdminUpdateGroup(e.ctx, e.owner, auth.RootGroup, "Root", sales.ID)
	admWantCode(t, "move the root", err, auth.EINVALID)
	if g, err := e.Svc.AdminUpdateGroup(e.ctx, e.owner, auth.RootGroup, "Acme", 0); err != nil || g.Name != "Acme" || g.ParentID != 0 {
		t.Errorf("rename the root: %+v %v", g, err)
	}
	_, err = e.Svc.AdminUpdateGroup(e.ctx, e.owner, 99, "X", 0)
	admWantCode(t, "unknown group", err, auth.ENOTFOUND)

	// Delete: never the root, never a group in use.
	admWantCode(t, "delete the root", e.Svc.AdminDeleteGroup(e.ctx, e.owner, auth.RootGroup), auth.EFORBIDDEN)
	admWantCode(t, "delete a parent", e.Svc.AdminDeleteGroup(e.ctx, e.owner, hr.ID), auth.ECONFLICT)
	if err := e.Svc.AdminDeleteGroup(e.ctx, e.owner, east.ID); err != nil {
		t.Fatal(err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditGroupDelete, e.owner.Member.ID, 0, `"East"`)
	gs, err := e.Svc.Groups(e.ctx, e.owner)
	if err != nil || len(gs) != 3 {
		t.Errorf("groups: %+v %v", gs, err)
	}
}

func TestResolveMember(t *testing.T) {
	e := newAdmEnv(t)
	m, err := e.Svc.CreateMember(e.ctx, auth.CreateMemberInput{Email: "Ann@Example.com", Username: "ann", Password: admPassword})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{itoa(m.ID), "ann@example.com", " ANN@EXAMPLE.COM ", "ann", "Ann"} {
		got, err := e.Svc.ResolveMember(e.ctx, ref)
		if err != nil || got.ID != m.ID {
			t.Errorf("resolve %q: %d %v", ref, got.ID, err)
		}
	}
	for _, ref := range []string{"999999", "nobody@example.com", "nobody"} {
		_, err := e.Svc.ResolveMember(e.ctx, ref)
		admWantCode(t, "resolve "+ref, err, auth.ENOTFOUND)
	}
	_, err = e.Svc.ResolveMember(e.ctx, " ")
	admWantCode(t, "resolve empty", err, auth.EINVALID)
}
