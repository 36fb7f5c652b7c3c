package auth_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

const admPassword = "violet-harbour-lantern-42"

var admCLI = auth.Actor{CLI: true}

// admEnv is a service with an Account Owner signed in.
type admEnv struct {
	*authtest.Env
	ctx   context.Context
	owner auth.Actor
}

func newAdmEnv(t *testing.T) *admEnv {
	t.Helper()
	e := &admEnv{Env: authtest.New(t, auth.Config{}), ctx: context.Background()}
	o := e.create(t, "owner@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleOwner})
	e.owner = e.signIn(t, o)
	return e
}

// create makes an active member holding roles (Maker in the root group when
// none are given).
func (e *admEnv) create(t *testing.T, email string, roles ...auth.RoleGrant) auth.Member {
	t.Helper()
	m := e.Member(t, email, admPassword)
	if len(roles) > 0 {
		if err := e.Svc.AdminSetRoles(e.ctx, admCLI, m.ID, roles); err != nil {
			t.Fatalf("set roles of %s: %v", email, err)
		}
	}
	return e.reload(t, m.ID)
}

func (e *admEnv) reload(t *testing.T, id int64) auth.Member {
	t.Helper()
	m, err := e.Store.MemberByID(e.ctx, id)
	if err != nil {
		t.Fatalf("reload member %d: %v", id, err)
	}
	return m
}

// signIn logs the member in with a password and returns them as an actor.
func (e *admEnv) signIn(t *testing.T, m auth.Member) auth.Actor {
	t.Helper()
	got, sess, err := e.Svc.Login(e.ctx, auth.LoginInput{Identifier: m.Email, Password: admPassword, Via: auth.ViaPage, Meta: auth.ClientMeta{IP: "192.0.2.7", UserAgent: "test"}})
	if err != nil {
		t.Fatalf("login %s: %v", m.Email, err)
	}
	return auth.Actor{Member: got, Session: sess, Meta: auth.ClientMeta{IP: "192.0.2.7", UserAgent: "test"}}
}

// session opens a session for memberID directly in the store; actorID set
// makes it a proxy session.
func (e *admEnv) session(t *testing.T, memberID, actorID int64) auth.Session {
	t.Helper()
	now := e.Clock.Now().UTC().Truncate(time.Millisecond)
	s := auth.Session{MemberID: memberID, ActorID: actorID, Via: auth.ViaPage, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.Store.Update(e.ctx, func(tx auth.Tx) error { return tx.CreateSession(e.ctx, &s) }); err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *admEnv) group(t *testing.T, name string, parent int64) auth.Group {
	t.Helper()
	g, err := e.Svc.AdminCreateGroup(e.ctx, admCLI, name, parent)
	if err != nil {
		t.Fatalf("create group %q: %v", name, err)
	}
	return g
}

// lastAudit returns the newest audit entry.
func (e *admEnv) lastAudit(t *testing.T) auth.AuditEntry {
	t.Helper()
	es, err := e.Store.ListAudit(e.ctx, auth.AuditQuery{Limit: 1})
	if err != nil || len(es) == 0 {
		t.Fatalf("audit: %v, %d entries", err, len(es))
	}
	return es[0]
}

func (e *admEnv) auditCount(t *testing.T) int {
	t.Helper()
	es, err := e.Store.ListAudit(e.ctx, auth.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func admWantAudit(t *testing.T, got auth.AuditEntry, action string, actor, subject int64, detail string) {
	t.Helper()
	if got.Action != action || got.ActorID != actor || got.SubjectID != subject || !strings.Contains(got.Detail, detail) {
		t.Errorf("audit entry %+v, want %s by %d on %d with %q", got, action, actor, subject, detail)
	}
}

func admWantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if auth.ErrorCode(err) != code {
		t.Errorf("%s: error %v (code %q), want %q", what, err, auth.ErrorCode(err), code)
	}
}

// admActions runs every admin use case as actor a on target and returns the
// errors by name.
func admActions(e *admEnv, a auth.Actor, target, other int64) map[string]error {
	ctx := e.ctx
	errs := map[string]error{}
	_, errs["list"] = e.Svc.AdminListMembers(ctx, a, auth.MemberFilter{})
	_, errs["get"] = e.Svc.AdminGetMember(ctx, a, target)
	_, errs["create"] = e.Svc.AdminCreateMember(ctx, a, auth.AdminCreateInput{Email: "new-" + strings.ReplaceAll(a.Member.Email, "@", "-") + "@example.com", Password: admPassword})
	_, errs["update"] = e.Svc.AdminUpdateMember(ctx, a, target, auth.MemberUpdate{Email: "changed@example.com", Username: "changed"})
	errs["suspend"] = e.Svc.AdminSetStatus(ctx, a, target, auth.StatusSuspended)
	errs["reset"] = e.Svc.AdminSendReset(ctx, a, target)
	_, errs["end"] = e.Svc.AdminEndSessions(ctx, a, target)
	errs["roles"] = e.Svc.AdminSetRoles(ctx, a, target, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}, {Group: auth.RootGroup, Role: auth.RoleOwner}})
	_, errs["grant"] = e.Svc.AdminGrantProxy(ctx, a, target, other)
	errs["revoke"] = e.Svc.AdminRevokeProxy(ctx, a, target, other)
	_, errs["grants"] = e.Svc.AdminProxyGrants(ctx, a, target)
	_, errs["audit"] = e.Svc.AdminAudit(ctx, a, auth.AuditQuery{})
	_, errs["groups"] = e.Svc.Groups(ctx, a)
	_, errs["create group"] = e.Svc.AdminCreateGroup(ctx, a, "G", 0)
	_, errs["update group"] = e.Svc.AdminUpdateGroup(ctx, a, auth.RootGroup, "Renamed", 0)
	errs["delete group"] = e.Svc.AdminDeleteGroup(ctx, a, 2)
	errs["delete"] = e.Svc.AdminDeleteMember(ctx, a, target)
	return errs
}

func TestAdminRefusesNonAdminsAndProxySessions(t *testing.T) {
	e := newAdmEnv(t)
	target := e.create(t, "target@example.com")
	other := e.create(t, "other@example.com")
	maker := e.signIn(t, e.create(t, "maker@example.com"))
	admin := e.create(t, "admin@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleAdmin})
	before := e.auditCount(t)

	for name, err := range admActions(e, maker, target.ID, other.ID) {
		admWantCode(t, "maker "+name, err, auth.EFORBIDDEN)
	}
	// An admin acting through a proxy session (even as an admin) never
	// reaches the member editor (X3).
	proxied := auth.Actor{Member: admin, Session: e.session(t, admin.ID, other.ID)}
	for name, err := range admActions(e, proxied, target.ID, other.ID) {
		admWantCode(t, "proxied "+name, err, auth.EFORBIDDEN)
	}
	if got := e.reload(t, target.ID); got.Email != target.Email || got.Status != auth.StatusActive || len(got.Roles) != 1 {
		t.Errorf("target changed: %+v", got)
	}
	if n := e.auditCount(t); n != before {
		t.Errorf("refused actions wrote %d audit entries", n-before)
	}
}

func TestAdminGroupAdminReach(t *testing.T) {
	e := newAdmEnv(t)
	sales := e.group(t, "Sales", 0)
	east := e.group(t, "Sales East", sales.ID)
	hr := e.group(t, "HR", 0)
	ga := e.signIn(t, e.create(t, "ga@example.com", auth.RoleGrant{Group: sales.ID, Role: auth.RoleAdmin}))
	inSales := e.create(t, "sales@example.com", auth.RoleGrant{Group: sales.ID, Role: auth.RoleMaker})
	inEast := e.create(t, "east@example.com", auth.RoleGrant{Group: east.ID, Role: auth.RoleMaker})
	inHR := e.create(t, "hr@example.com", auth.RoleGrant{Group: hr.ID, Role: auth.RoleMaker})
	inRoot := e.create(t, "root@example.com")

	for _, m := range []auth.Member{inSales, inEast} {
		if _, err := e.Svc.AdminGetMember(e.ctx, ga, m.ID); err != nil {
			t.Errorf("group admin get %s: %v", m.Email, err)
		}
	}
	// Outside the admin's groups: like a member that does not exist (A2).
	for _, m := range []auth.Member{inHR, inRoot, e.owner.Member} {
		for name, err := range admActions(e, ga, m.ID, inSales.ID) {
			switch name {
			case "list", "create", "groups", "audit", "create group", "update group", "delete group":
				continue
			}
			admWantCode(t, "group admin "+name+" "+m.Email, err, auth.ENOTFOUND)
		}
		if got := e.reload(t, m.ID); got.Status != auth.StatusActive || got.Email != m.Email {
			t.Errorf("%s changed: %+v", m.Email, got)
		}
	}
	_, err := e.Svc.AdminGetMember(e.ctx, ga, 999999)
	admWantCode(t, "missing member", err, auth.ENOTFOUND)

	// The list: their first admin group by default, a subgroup on request,
	// nothing outside.
	page, err := e.Svc.AdminListMembers(e.ctx, ga, auth.MemberFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ids := admIDs(page.Members); !ids[inSales.ID] || ids[inHR.ID] || ids[inRoot.ID] {
		t.Errorf("group admin's default list: %v", ids)
	}
	page, err = e.Svc.AdminListMembers(e.ctx, ga, auth.MemberFilter{Group: east.ID})
	if err != nil || !admIDs(page.Members)[inEast.ID] {
		t.Errorf("subgroup list: %v %v", admIDs(page.Members), err)
	}
	for _, g := range []int64{hr.ID, auth.RootGroup} {
		_, err = e.Svc.AdminListMembers(e.ctx, ga, auth.MemberFilter{Group: g})
		admWantCode(t, "list a foreign group", err, auth.EFORBIDDEN)
	}
	// Roles only in their groups, never admin roles (not an Owner).
	admWantCode(t, "maker in HR", e.Svc.AdminSetRoles(e.ctx, ga, inSales.ID, []auth.RoleGrant{{Group: hr.ID, Role: auth.RoleMaker}}), auth.EFORBIDDEN)
	if err := e.Svc.AdminSetRoles(e.ctx, ga, inSales.ID, []auth.RoleGrant{{Group: sales.ID, Role: auth.RoleMaker}, {Group: east.ID, Role: auth.RoleMaker}}); err != nil {
		t.Errorf("maker roles in own groups: %v", err)
	}
	// A member they create lands in their group.
	m, err := e.Svc.AdminCreateMember(e.ctx, ga, auth.AdminCreateInput{Email: "fresh@example.com", Password: admPassword})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Roles) != 1 || m.Roles[0] != (auth.RoleGrant{Group: sales.ID, Role: auth.RoleMaker}) {
		t.Errorf("created by group admin with roles %v", m.Roles)
	}
	// Group admins read the audit of their members only, and do not edit
	// the tree.
	if _, err := e.Svc.AdminAudit(e.ctx, ga, auth.AuditQuery{MemberID: inSales.ID}); err != nil {
		t.Errorf("audit of own member: %v", err)
	}
	_, err = e.Svc.AdminAudit(e.ctx, ga, auth.AuditQuery{})
	admWantCode(t, "whole audit", err, auth.EFORBIDDEN)
	_, err = e.Svc.AdminAudit(e.ctx, ga, auth.AuditQuery{MemberID: inHR.ID})
	admWantCode(t, "audit of a foreign member", err, auth.ENOTFOUND)
	_, err = e.Svc.AdminCreateGroup(e.ctx, ga, "Mine", sales.ID)
	admWantCode(t, "group admin creates a group", err, auth.EFORBIDDEN)
	if gs, err := e.Svc.Groups(e.ctx, ga); err != nil || len(gs) != 4 {
		t.Errorf("groups: %v %v", gs, err)
	}
}

func admIDs(ms []auth.Member) map[int64]bool {
	out := map[int64]bool{}
	for _, m := range ms {
		out[m.ID] = true
	}
	return out
}

func TestAdminListMembers(t *testing.T) {
	e := newAdmEnv(t)
	ann := e.create(t, "ann@example.com")
	bob := e.create(t, "bob@example.com")
	if err := e.Svc.AdminSetStatus(e.ctx, e.owner, bob.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	page, err := e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Members) != 2 || page.Next == "" {
		t.Fatalf("first page: %d members, next %q", len(page.Members), page.Next)
	}
	for _, m := range page.Members {
		if m.PasswordHash != "" || m.MFASecret != "" {
			t.Errorf("list leaks secrets of %s", m.Email)
		}
	}
	page, err = e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Limit: 2, After: page.Next})
	if err != nil || len(page.Members) != 1 || page.Members[0].ID != bob.ID {
		t.Errorf("second page: %v %v", page.Members, err)
	}
	page, err = e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Query: "ann"})
	if err != nil || len(page.Members) != 1 || page.Members[0].ID != ann.ID {
		t.Errorf("search: %v %v", page.Members, err)
	}
	page, err = e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Status: auth.StatusSuspended})
	if err != nil || len(page.Members) != 1 || page.Members[0].ID != bob.ID {
		t.Errorf("status filter: %v %v", page.Members, err)
	}
	page, err = e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Role: auth.RoleOwner})
	if err != nil || len(page.Members) != 1 || page.Members[0].ID != e.owner.Member.ID {
		t.Errorf("role filter: %v %v", page.Members, err)
	}
	_, err = e.Svc.AdminListMembers(e.ctx, e.owner, auth.MemberFilter{Status: "weird"})
	admWantCode(t, "unknown status", err, auth.EINVALID)
	got, err := e.Svc.AdminGetMember(e.ctx, e.owner, ann.ID)
	if err != nil || got.Email != ann.Email || got.PasswordHash != "" {
		t.Errorf("get: %+v %v", got, err)
	}
}

func TestAdminCreateMemberWithTemporaryPassword(t *testing.T) {
	e := newAdmEnv(t)
	m, err := e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "Temp@Example.com", Name: "Temp", Username: "temp", Password: admPassword})
	if err != nil {
		t.Fatal(err)
	}
	got := e.reload(t, m.ID)
	if got.Status != auth.StatusPasswordResetRequired || !got.EmailVerified || got.Username != "temp" ||
		len(got.Roles) != 1 || got.Roles[0] != (auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleMaker}) {
		t.Errorf("created %+v", got)
	}
	_, _, err = e.Svc.Login(e.ctx, auth.LoginInput{Identifier: "temp", Password: admPassword, Via: auth.ViaPage})
	admWantCode(t, "first login", err, auth.ENEWPASSWORD)
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberCreate, e.owner.Member.ID, m.ID, "temporary password")
	if strings.Contains(e.lastAudit(t).Detail, admPassword) {
		t.Error("audit detail holds the password")
	}

	// Validation: every problem at once; policy on the temporary password;
	// a taken email is a conflict.
	_, err = e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "bad", Username: "x", Name: "a\x00b", Password: "short"})
	if f := auth.ErrorFields(err); f["email"] == "" || f["username"] == "" || f["name"] == "" || f["password"] == "" {
		t.Errorf("invalid input: %v %v", err, f)
	}
	_, err = e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "temp@example.com", Password: admPassword})
	admWantCode(t, "taken email", err, auth.ECONFLICT)
	_, err = e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "g@example.com", Password: admPassword, Roles: []auth.RoleGrant{{Group: 99, Role: auth.RoleMaker}}})
	admWantCode(t, "unknown group", err, auth.EINVALID)
	_, err = e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "g@example.com", Password: admPassword, Roles: []auth.RoleGrant{{Group: 1, Role: 9}}})
	admWantCode(t, "unknown role", err, auth.EINVALID)
}

func TestAdminCreateMemberByInvitation(t *testing.T) {
	e := newAdmEnv(t)
	m, err := e.Svc.AdminCreateMember(e.ctx, e.owner, auth.AdminCreateInput{Email: "invitee@example.com", Name: "Ivy"})
	if err != nil {
		t.Fatal(err)
	}
	got := e.reload(t, m.ID)
	if got.Status != auth.StatusInvited || got.PasswordHash != "" {
		t.Fatalf("invited member %+v", got)
	}
	mails := e.Mails(t)
	if len(mails) == 0 || mails[0].To != "invitee@example.com" || mails[0].Kind != auth.MailAdminInvite {
		t.Fatalf("mails %+v", mails)
	}
	link, err := url.Parse(mails[0].Data["link"])
	if err != nil || !strings.HasPrefix(mails[0].Data["link"], "https://auth.example.test/reset-password?token=") {
		t.Fatalf("link %q", mails[0].Data["link"])
	}
	if !mails[0].NotAfter.After(e.Clock.Now().Add(6 * 24 * time.Hour)) {
		t.Errorf("invitation expires at %v, want about 7 days", mails[0].NotAfter)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditMemberCreate, e.owner.Member.ID, m.ID, "invited")
	// No login before the password is set.
	_, _, err = e.Svc.Login(e.ctx, auth.LoginInput{Identifier: "invitee@example.com", Password: admPassword, Via: auth.ViaPage})
	if !auth.ErrInvalidCredentials(err) {
		t.Errorf("login before accepting: %v", err)
	}
	// Setting the password through the link activates the member.
	if err := e.Svc.ResetPassword(e.ctx, link.Query().Get("token"), admPassword, auth.ClientMeta{}); err != nil {
		t.Fatal(err)
	}
	if got := e.reload(t, m.ID); got.Status != auth.StatusActive {
		t.Errorf("after accepting: status %s", got.Status)
	}
	if _, _, err := e.Svc.Login(e.ctx, auth.LoginInput{Identifier: "invitee@example.com", Password: admPassword, Via: auth.ViaPage}); err != nil {
		t.Errorf("login after accepting: %v", err)
	}
}

func TestAdminRolesOnlyOwnersGrantAdminRoles(t *testing.T) {
	e := newAdmEnv(t)
	ua := e.signIn(t, e.create(t, "ua@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleAdmin}))
	m := e.create(t, "m@example.com")
	sales := e.group(t, "Sales", 0)

	for _, role := range []auth.RoleID{auth.RoleOwner, auth.RoleAdmin} {
		err := e.Svc.AdminSetRoles(e.ctx, ua, m.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}, {Group: sales.ID, Role: role}})
		admWantCode(t, "user administrator grants "+role.Label(), err, auth.EFORBIDDEN)
		_, err = e.Svc.AdminCreateMember(e.ctx, ua, auth.AdminCreateInput{Email: "x@example.com", Password: admPassword, Roles: []auth.RoleGrant{{Group: auth.RootGroup, Role: role}}})
		admWantCode(t, "user administrator creates "+role.Label(), err, auth.EFORBIDDEN)
	}
	// A User Administrator may change Maker roles.
	if err := e.Svc.AdminSetRoles(e.ctx, ua, m.ID, []auth.RoleGrant{{Group: sales.ID, Role: auth.RoleMaker}}); err != nil {
		t.Fatalf("maker roles: %v", err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditRoles, ua.Member.ID, m.ID, "roles: Maker@1 → Maker@"+itoa(sales.ID))
	// An Owner may grant both; the User Administrator cannot take them away
	// again, nor change the other admin at all.
	if err := e.Svc.AdminSetRoles(e.ctx, e.owner, m.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleAdmin}}); err != nil {
		t.Fatalf("owner grants admin: %v", err)
	}
	if got := e.reload(t, m.ID); len(got.Roles) != 1 || got.Roles[0].Role != auth.RoleAdmin {
		t.Errorf("roles now %v", got.Roles)
	}
	admWantCode(t, "user administrator demotes an admin", e.Svc.AdminSetRoles(e.ctx, ua, m.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}), auth.EFORBIDDEN)
	_, err := e.Svc.AdminUpdateMember(e.ctx, ua, e.owner.Member.ID, auth.MemberUpdate{Email: "evil@example.com", Username: e.owner.Member.Username})
	admWantCode(t, "user administrator edits the owner", err, auth.EFORBIDDEN)
	admWantCode(t, "user administrator suspends the owner", e.Svc.AdminSetStatus(e.ctx, ua, e.owner.Member.ID, auth.StatusSuspended), auth.EFORBIDDEN)
	if got := e.reload(t, e.owner.Member.ID); got.Email != "owner@example.com" || got.Status != auth.StatusActive {
		t.Errorf("owner changed: %+v", got)
	}
	if err := e.Svc.AdminSetRoles(e.ctx, e.owner, m.ID, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleOwner}}); err != nil {
		t.Errorf("owner grants owner: %v", err)
	}
	admWantCode(t, "empty roles", e.Svc.AdminSetRoles(e.ctx, e.owner, m.ID, nil), auth.EINVALID)
	admWantCode(t, "unknown group", e.Svc.AdminSetRoles(e.ctx, e.owner, m.ID, []auth.RoleGrant{{Group: 99, Role: auth.RoleMaker}}), auth.EINVALID)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAdminLastOwner(t *testing.T) {
	e := newAdmEnv(t)
	owner := e.owner.Member.ID
	before := e.auditCount(t)
	admWantCode(t, "demote the last owner", e.Svc.AdminSetRoles(e.ctx, admCLI, owner, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}), auth.EFORBIDDEN)
	admWantCode(t, "suspend the last owner", e.Svc.AdminSetStatus(e.ctx, admCLI, owner, auth.StatusSuspended), auth.EFORBIDDEN)
	admWantCode(t, "delete the last owner", e.Svc.AdminDeleteMember(e.ctx, admCLI, owner), auth.EFORBIDDEN)
	// Oneself: never suspend or delete.
	admWantCode(t, "suspend oneself", e.Svc.AdminSetStatus(e.ctx, e.owner, owner, auth.StatusSuspended), auth.EFORBIDDEN)
	admWantCode(t, "delete oneself", e.Svc.AdminDeleteMember(e.ctx, e.owner, owner), auth.EFORBIDDEN)
	if n := e.auditCount(t); n != before {
		t.Errorf("refusals wrote %d audit entries", n-before)
	}
	// An Owner in a subgroup, or a suspended one, does not count.
	sales := e.group(t, "Sales", 0)
	sub := e.create(t, "sub-owner@example.com", auth.RoleGrant{Group: sales.ID, Role: auth.RoleOwner})
	second := e.create(t, "second@example.com", auth.RoleGrant{Group: auth.RootGroup, Role: auth.RoleOwner})
	if err := e.Svc.AdminSetStatus(e.ctx, admCLI, second.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	admWantCode(t, "demote with only a suspended and a subgroup owner", e.Svc.AdminSetRoles(e.ctx, admCLI, owner, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}), auth.EFORBIDDEN)
	_ = sub
	// With a second active Owner, the first may go.
	if err := e.Svc.AdminSetStatus(e.ctx, admCLI, second.ID, auth.StatusActive); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.AdminSetRoles(e.ctx, admCLI, owner, []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}); err != nil {
		t.Fatalf("demote with a second owner: %v", err)
	}
	admWantAudit(t, e.lastAudit(t), auth.AuditRoles, 0, owner, "Account Owner@1 → Maker@1")
	// Now second is the last one again.
	admWantCode(t, "delete the new last owner", e.Svc.AdminDeleteMember(e.ctx, admCLI, second.ID), auth.EFORBIDDEN)
}
