package auth_test

import (
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

func TestAdminSuspendEndsSessions(t *testing.T) {
	e := newAdmEnv(t)
	m := e.create(t, "m@example.com")
	victim := e.create(t, "victim@example.com")
	a := e.signIn(t, m)
	b := e.signIn(t, m)
	// m runs a proxy session as victim, too.
	if _, err := e.Svc.AdminGrantProxy(e.ctx, e.owner, victim.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	proxy := e.session(t, victim.ID, m.ID)
	if _, _, err := e.Svc.Authenticate(e.ctx, proxy.ID); err != nil {
		t.Fatalf("proxy session before: %v", err)
	}

	if err := e.Svc.AdminSetStatus(e.ctx, e.owner, m.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.Session.ID, b.Session.ID, proxy.ID} {
		if _, _, err := e.Svc.Authenticate(e.ctx, id); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
			t.Errorf("session %d after suspension: %v", id, err)
		}
	}
	if got := e.reload(t, m.ID); got.Status != auth.StatusSuspended {
		t.Errorf("status %s", got.Status)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberStatus, e.owner.Member.ID, m.ID, "status active → suspended; 3 session(s) ended")
	_, _, err := e.Svc.Login(e.ctx, auth.LoginInput{Identifier: m.Email, Password: admPassword, Via: auth.ViaPage})
	if !auth.ErrInvalidCredentials(err) {
		t.Errorf("suspended login: %v", err)
	}
	admWantCode(t, "invalid status", e.Svc.AdminSetStatus(e.ctx, e.owner, m.ID, auth.StatusInvited), auth.EINVALID)

	if err := e.Svc.AdminSetStatus(e.ctx, e.owner, m.ID, auth.StatusActive); err != nil {
		t.Fatal(err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberStatus, e.owner.Member.ID, m.ID, "status suspended → active")
	if _, _, err := e.Svc.Login(e.ctx, auth.LoginInput{Identifier: m.Email, Password: admPassword, Via: auth.ViaPage}); err != nil {
		t.Errorf("login after reactivation: %v", err)
	}
}

func TestAdminUpdateMember(t *testing.T) {
	e := newAdmEnv(t)
	m := e.create(t, "m@example.com")
	e.create(t, "taken@example.com")

	got, err := e.Svc.AdminUpdateMember(e.ctx, e.owner, m.ID, auth.MemberUpdate{
		Email: "new@example.com", Username: "newname", Name: "New Name", FirstName: "New", LastName: "Name",
		Bio: "Line one\nline two", Mobile: "+81 90-1234-5678",
	})
	if err != nil {
		t.Fatal(err)
	}
	stored := e.reload(t, m.ID)
	if stored.Email != "new@example.com" || stored.Username != "newname" || stored.Name != "New Name" || stored.FirstName != "New" ||
		stored.LastName != "Name" || stored.Bio == nil || *stored.Bio != "Line one\nline two" || stored.Mobile != "+81 90-1234-5678" ||
		stored.EmailVerified || got.Email != stored.Email {
		t.Errorf("stored %+v", stored)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberUpdate, e.owner.Member.ID, m.ID, "changed email, username, name, first_name, last_name, bio, mobile")

	// No change: no audit entry.
	before := e.auditCount(t)
	if _, err := e.Svc.AdminUpdateMember(e.ctx, e.owner, m.ID, auth.MemberUpdate{Email: "new@example.com", Username: "newname", Name: "New Name", FirstName: "New", LastName: "Name", Bio: "Line one\nline two", Mobile: "+81 90-1234-5678"}); err != nil {
		t.Fatal(err)
	}
	if e.auditCount(t) != before {
		t.Error("an unchanged update was audited")
	}

	_, err = e.Svc.AdminUpdateMember(e.ctx, e.owner, m.ID, auth.MemberUpdate{Email: "bad", Username: "x", Name: "a\nb", FirstName: strings.Repeat("a", 101), Mobile: "call me"})
	f := auth.ErrorFields(err)
	if auth.ErrorCode(err) != auth.EINVALID || f["email"] == "" || f["name"] == "" || f["first_name"] == "" || f["mobile"] == "" {
		t.Errorf("invalid: %v %v", err, f)
	}
	_, err = e.Svc.AdminUpdateMember(e.ctx, e.owner, m.ID, auth.MemberUpdate{Email: "new@example.com", Username: "x"})
	if auth.ErrorFields(err)["username"] == "" {
		t.Errorf("bad username: %v", err)
	}
	_, err = e.Svc.AdminUpdateMember(e.ctx, e.owner, m.ID, auth.MemberUpdate{Email: "TAKEN@example.com", Username: "newname"})
	if auth.ErrorCode(err) != auth.ECONFLICT || auth.ErrorFields(err)["email"] == "" {
		t.Errorf("taken email: %v %v", err, auth.ErrorFields(err))
	}
	if got := e.reload(t, m.ID); got.Email != "new@example.com" {
		t.Errorf("failed updates changed the member: %+v", got)
	}
}

func TestAdminDeleteResetEndSessions(t *testing.T) {
	e := newAdmEnv(t)
	m := e.create(t, "m@example.com")
	s1 := e.signIn(t, m)
	e.signIn(t, m)

	if err := e.Svc.AdminSendReset(e.ctx, e.owner, m.ID); err != nil {
		t.Fatal(err)
	}
	if mails := e.Mails(t); len(mails) == 0 || mails[0].To != m.Email || mails[0].Kind != auth.MailReset ||
		!strings.Contains(mails[0].Data["link"], "/reset-password?token=") {
		t.Errorf("reset mail: %+v", mails)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberReset, e.owner.Member.ID, m.ID, "reset link")

	n, err := e.Svc.AdminEndSessions(e.ctx, e.owner, m.ID)
	if err != nil || n != 2 {
		t.Errorf("end sessions: %d, %v", n, err)
	}
	if _, _, err := e.Svc.Authenticate(e.ctx, s1.Session.ID); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Errorf("session after end: %v", err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberEnd, e.owner.Member.ID, m.ID, "2 session(s) ended")

	if err := e.Svc.AdminDeleteMember(e.ctx, e.owner, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.MemberByID(e.ctx, m.ID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Errorf("deleted member still there: %v", err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberDelete, e.owner.Member.ID, m.ID, "m@example.com")
	// Its history stays.
	es, err := e.Svc.AdminAudit(e.ctx, e.owner, auth.AuditQuery{MemberID: m.ID})
	if err != nil || len(es) < 3 {
		t.Errorf("audit of the deleted member: %d entries, %v", len(es), err)
	}
	admWantCode(t, "delete again", e.Svc.AdminDeleteMember(e.ctx, e.owner, m.ID), auth.ENOTFOUND)
}
