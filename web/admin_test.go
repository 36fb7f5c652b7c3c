package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// cli is the trusted operator, used by tests to arrange and inspect state.
var cli = auth.Actor{CLI: true}

// addMember creates an active member holding role in the root group.
func (e *env) addMember(email string, role auth.RoleID) auth.Member {
	e.t.Helper()
	m, err := e.svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Password: goodPassword, Name: "Member " + email, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// reload reads a member back through the service (as the CLI).
func (e *env) reload(id int64) (auth.Member, error) {
	return e.svc.AdminGetMember(context.Background(), cli, id)
}

func (e *env) mustReload(id int64) auth.Member {
	e.t.Helper()
	m, err := e.reload(id)
	if err != nil {
		e.t.Fatalf("member %d: %v", id, err)
	}
	return m
}

// newAdminEnv starts an environment with an Account Owner signed in.
func newAdminEnv(t *testing.T) (*env, *browser, auth.Member) {
	t.Helper()
	e := newEnv(t, envOptions{})
	owner := e.addMember("owner@example.com", auth.RoleOwner)
	b := e.browser()
	b.mustLogin("owner@example.com", goodPassword)
	return e, b, owner
}

func murl(id int64, suffix string) string {
	return "/admin/members/" + strconv.FormatInt(id, 10) + suffix
}

// refusedWithoutCSRF posts form to action without a token and expects 403
// and no flash on the next page.
func refusedWithoutCSRF(t *testing.T, b *browser, action string, form url.Values) {
	t.Helper()
	r := b.postRaw(action, form)
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST %s without CSRF: status %d, want 403", action, r.StatusCode)
	}
}

// followFlash follows a 303 and returns the page with its flash.
func followFlash(t *testing.T, b *browser, r *response, wantFlash string) *response {
	t.Helper()
	expectStatus(t, r, http.StatusSeeOther)
	p := b.get(r.location())
	expectStatus(t, p, http.StatusOK)
	if !strings.Contains(p.body, `data-testid="flash"`) || !strings.Contains(p.body, wantFlash) {
		t.Fatalf("no flash %q on %s:\n%.3000s", wantFlash, r.location(), p.body)
	}
	return p
}

var nextRE = regexp.MustCompile(`href="([^"]+)" rel="next"`)

func TestAdminMemberList(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	for i := range 60 {
		e.addMember("user"+strconv.Itoa(i)+"@example.com", auth.RoleMaker)
	}
	evil := e.addMember("evil@example.com", auth.RoleMaker)
	if _, err := e.svc.AdminUpdateMember(context.Background(), cli, evil.ID, auth.MemberUpdate{
		Email: evil.Email, Username: evil.Username, Name: `<script>alert(1)</script>`, LastName: `"><img src=x onerror=alert(1)>`,
	}); err != nil {
		t.Fatal(err)
	}

	r := b.get("/admin/members")
	expectStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="member-row"`); n != 50 {
		t.Fatalf("first page has %d rows, want 50", n)
	}
	m := nextRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no Next page link")
	}
	r = b.get(html.UnescapeString(m[1]))
	expectStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="member-row"`); n != 12 {
		t.Fatalf("second page has %d rows, want 12", n)
	}
	if nextRE.MatchString(r.body) || !strings.Contains(r.body, `data-testid="first-page"`) {
		t.Fatal("last page: want no Next link and a First page link")
	}
	if strings.Contains(r.body, "<script>alert(1)") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("hostile name not escaped in the list")
	}

	// Search, filters, sort.
	r = b.get("/admin/members?q=user42")
	if n := strings.Count(r.body, `data-testid="member-row"`); n != 1 || !strings.Contains(r.body, "user42@example.com") {
		t.Fatalf("q=user42: %d rows", n)
	}
	r = b.get("/admin/members?role=1")
	if n := strings.Count(r.body, `data-testid="member-row"`); n != 1 || !strings.Contains(r.body, "owner@example.com") {
		t.Fatalf("role=1: %d rows", n)
	}
	if err := e.svc.AdminSetStatus(context.Background(), cli, evil.ID, auth.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	r = b.get("/admin/members?status=suspended")
	if n := strings.Count(r.body, `data-testid="member-row"`); n != 1 || !strings.Contains(r.body, "evil@example.com") {
		t.Fatalf("status=suspended: %d rows", n)
	}
	r = b.get("/admin/members?sort=email&dir=desc&q=user")
	i9, i0 := strings.Index(r.body, "user9@example.com"), strings.Index(r.body, "user0@example.com")
	if i9 < 0 || i0 >= 0 && i9 > i0 {
		t.Fatal("sort=email desc: user9 not before user0")
	}
	r = b.get("/admin/members?group=1&sort=name&status=bogus&role=99")
	expectStatus(t, r, http.StatusOK)
	// A member page carries the hostile name escaped too.
	r = b.get(murl(evil.ID, ""))
	expectStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "<script>alert(1)") || strings.Contains(r.body, `<img src=x`) {
		t.Fatal("hostile strings not escaped on the member page")
	}
}

func TestAdminCreateMember(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	// With a temporary password; extra fields are ignored (A3).
	f := url.Values{"email": {"new@example.com"}, "name": {"New One"}, "username": {""}, "password": {"temporary passphrase 1"},
		"grant": {"1:3"}, "role": {"admin"}, "is_admin": {"true"}, "email_verified": {"false"}, "mfa_enabled": {"true"},
		"id": {"999"}, "created_at": {"2001-01-01T00:00:00Z"}, "status": {"active"}, "proxy_grants": {"1"}}
	refusedWithoutCSRF(t, b, "/admin/members", f)
	r := b.submit("/admin/members/new", "/admin/members", f)
	p := followFlash(t, b, r, "temporary password")
	id, err := strconv.ParseInt(strings.TrimPrefix(r.location(), "/admin/members/"), 10, 64)
	if err != nil || id == 999 {
		t.Fatalf("created at %q", r.location())
	}
	m := e.mustReload(id)
	if m.Status != auth.StatusPasswordResetRequired || m.MFAEnabled || auth.IsAdmin(m) ||
		len(m.Roles) != 1 || m.Roles[0] != (auth.RoleGrant{Group: 1, Role: auth.RoleMaker}) || m.CreatedAt.Year() == 2001 {
		t.Fatalf("created member: %+v", m)
	}
	if !strings.Contains(p.body, "new@example.com") {
		t.Fatal("member page does not show the new member")
	}

	// By invitation: no password.
	r = b.submit("/admin/members/new", "/admin/members", url.Values{"email": {"invited@example.com"}, "grant": {"1:3"}})
	followFlash(t, b, r, "invitation")
	msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "invited@example.com" {
		t.Fatalf("invitation mail: %+v", msgs)
	}
	id, _ = strconv.ParseInt(strings.TrimPrefix(r.location(), "/admin/members/"), 10, 64)
	if m := e.mustReload(id); m.Status != auth.StatusInvited {
		t.Fatalf("invited member status %q", m.Status)
	}

	// Field errors keep the input.
	r = b.submit("/admin/members/new", "/admin/members", url.Values{"email": {"not an email"}, "name": {"Kept Name"}, "grant": {"1:3"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-email"`) || !strings.Contains(r.body, `value="Kept Name"`) {
		t.Fatalf("no field error or input lost:\n%.3000s", r.body)
	}
	r = b.submit("/admin/members/new", "/admin/members", url.Values{"email": {"NEW@example.com"}, "grant": {"1:3"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-email"`) {
		t.Fatal("taken email not reported on the field")
	}
}

func TestAdminEditMember(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	m := e.addMember("pat@example.com", auth.RoleMaker)
	e.addMember("taken@example.com", auth.RoleMaker)
	page := murl(m.ID, "")
	f := url.Values{"email": {"pat@example.com"}, "username": {"pat.new"}, "name": {"Pat New"}, "first_name": {"Pat"},
		"last_name": {"New"}, "bio": {"Hello <b>there</b>"}, "mobile": {"+44 7700 900123"},
		// Ignored (A3).
		"status": {"suspended"}, "role": {"admin"}, "is_admin": {"true"}, "email_verified": {"false"}, "mfa_enabled": {"true"},
		"id": {"1"}, "created_at": {"2001-01-01T00:00:00Z"}, "grant": {"1:1"}}
	refusedWithoutCSRF(t, b, page, f)
	if got := e.mustReload(m.ID); got.Username != m.Username {
		t.Fatal("a POST without CSRF changed the member")
	}
	r := b.submit(page, page, f)
	p := followFlash(t, b, r, "saved")
	got := e.mustReload(m.ID)
	if got.Username != "pat.new" || got.Name != "Pat New" || got.FirstName != "Pat" || got.LastName != "New" ||
		got.Bio == nil || *got.Bio != "Hello <b>there</b>" || got.Mobile != "+44 7700 900123" {
		t.Fatalf("fields not saved: %+v", got)
	}
	if got.Status != auth.StatusActive || got.MFAEnabled || auth.IsAdmin(got) || !got.EmailVerified || !got.CreatedAt.Equal(m.CreatedAt) {
		t.Fatalf("extra fields were applied: %+v", got)
	}
	if strings.Contains(p.body, "<b>there</b>") {
		t.Fatal("bio not escaped")
	}

	// A taken username keeps every input and names the field.
	f = url.Values{"email": {"pat@example.com"}, "username": {"taken@example.com"}, "name": {"Changed Name"}}
	r = b.submit(page, page, f)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-username"`) || !strings.Contains(r.body, `value="Changed Name"`) {
		t.Fatalf("field error missing or input lost:\n%.3000s", r.body)
	}
	if e.mustReload(m.ID).Name != "Pat New" {
		t.Fatal("refused update changed the member")
	}
	// Unknown and malformed ids are 404.
	expectStatus(t, b.get("/admin/members/999999"), http.StatusNotFound)
	expectStatus(t, b.get("/admin/members/abc"), http.StatusNotFound)
}

func TestAdminMemberActions(t *testing.T) {
	e, b, owner := newAdminEnv(t)
	m := e.addMember("sam@example.com", auth.RoleMaker)
	page := murl(m.ID, "")
	sam := e.browser()
	sam.mustLogin("sam@example.com", goodPassword)
	other := e.browser()
	other.mustLogin("sam@example.com", goodPassword)

	// Suspend: every session of the member ends on its next request (A4).
	refusedWithoutCSRF(t, b, page+"/status", url.Values{"status": {"suspended"}})
	if !sam.signedIn() {
		t.Fatal("a refused POST suspended the member")
	}
	followFlash(t, b, b.submit(page, page+"/status", url.Values{"status": {"suspended"}}), "suspended")
	if e.mustReload(m.ID).Status != auth.StatusSuspended || sam.signedIn() {
		t.Fatal("suspend: status not set or the member's session survived")
	}
	p := b.get(page)
	if !strings.Contains(p.body, `data-testid="reactivate"`) {
		t.Fatal("no Reactivate button for a suspended member")
	}
	refusedWithoutCSRF(t, b, page+"/status", url.Values{"status": {"active"}})
	followFlash(t, b, b.submit(page, page+"/status", url.Values{"status": {"active"}}), "reactivated")
	if e.mustReload(m.ID).Status != auth.StatusActive {
		t.Fatal("reactivate failed")
	}
	r := b.submit(page, page+"/status", url.Values{"status": {"invited"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)

	// End all sessions.
	sam.mustLogin("sam@example.com", goodPassword)
	refusedWithoutCSRF(t, b, page+"/sessions/end", nil)
	if !sam.signedIn() {
		t.Fatal("a refused POST ended sessions")
	}
	followFlash(t, b, b.submit(page, page+"/sessions/end", nil), "Ended")
	if sam.signedIn() || other.signedIn() {
		t.Fatal("sessions survived End all sessions")
	}

	// Send a reset link.
	refusedWithoutCSRF(t, b, page+"/reset", nil)
	followFlash(t, b, b.submit(page, page+"/reset", nil), "reset link")
	msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "sam@example.com" {
		t.Fatalf("reset mail: %+v", msgs)
	}

	// Roles: make Sam a User Administrator; Sam reaches the editor; demoted,
	// Sam's very next request is refused (A4).
	refusedWithoutCSRF(t, b, page+"/roles", url.Values{"grant": {"1:2"}})
	if auth.IsAdmin(e.mustReload(m.ID)) {
		t.Fatal("a refused POST changed roles")
	}
	followFlash(t, b, b.submit(page, page+"/roles", url.Values{"grant": {"1:2", "1:3"}}), "roles")
	if got := e.mustReload(m.ID); !got.HasRole(auth.RoleAdmin) || !got.HasRole(auth.RoleMaker) {
		t.Fatalf("roles not saved: %+v", got.Roles)
	}
	sam.mustLogin("sam@example.com", goodPassword)
	expectStatus(t, sam.get("/admin/members"), http.StatusOK)
	followFlash(t, b, b.submit(page, page+"/roles", url.Values{"grant": {"1:3"}}), "roles")
	expectStatus(t, sam.get("/admin/members"), http.StatusForbidden)

	// A User Administrator may not grant the admin roles.
	followFlash(t, b, b.submit(page, page+"/roles", url.Values{"grant": {"1:2"}}), "roles")
	ua := e.addMember("ua@example.com", auth.RoleMaker)
	r = sam.submit(murl(ua.ID, ""), murl(ua.ID, "/roles"), url.Values{"grant": {"1:1"}})
	expectStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.body, `data-testid="action-error"`) || e.mustReload(ua.ID).HasRole(auth.RoleOwner) {
		t.Fatal("a User Administrator granted Account Owner")
	}

	// The last Account Owner can neither be demoted, suspended nor deleted.
	own := murl(owner.ID, "")
	r = b.submit(own, own+"/roles", url.Values{"grant": {"1:3"}})
	if r.StatusCode < 400 || !e.mustReload(owner.ID).HasRole(auth.RoleOwner) {
		t.Fatalf("last owner demoted: status %d", r.StatusCode)
	}
	r = b.submit(own, own+"/status", url.Values{"status": {"suspended"}})
	if r.StatusCode < 400 || e.mustReload(owner.ID).Status != auth.StatusActive {
		t.Fatalf("last owner suspended: status %d", r.StatusCode)
	}
	r = b.submit(own+"/delete", own+"/delete", url.Values{"confirm": {"yes"}})
	if r.StatusCode < 400 || !strings.Contains(r.body, `data-testid="action-error"`) {
		t.Fatalf("last owner delete: status %d", r.StatusCode)
	}
	e.mustReload(owner.ID)
	// Nobody but an Owner may delete an Owner, and then it is not the last:
	// the rule itself is held even for the CLI.
	if err := e.svc.AdminDeleteMember(context.Background(), cli, owner.ID); auth.ErrorCode(err) != auth.EFORBIDDEN {
		t.Fatalf("CLI deleted the last owner: %v", err)
	}

	// Delete with a confirmation step.
	p = b.get(page + "/delete")
	expectStatus(t, p, http.StatusOK)
	if !strings.Contains(p.body, `data-testid="confirm-delete"`) {
		t.Fatal("no confirmation button")
	}
	refusedWithoutCSRF(t, b, page+"/delete", url.Values{"confirm": {"yes"}})
	r = b.submit(page, page+"/delete", nil) // no confirm: back to the question
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != page+"/delete" {
		t.Fatalf("unconfirmed delete went to %q", r.location())
	}
	e.mustReload(m.ID)
	r = b.submit(page+"/delete", page+"/delete", url.Values{"confirm": {"yes"}})
	followFlash(t, b, r, "deleted")
	if _, err := e.reload(m.ID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("member still there: %v", err)
	}
	expectStatus(t, b.get(page), http.StatusNotFound)
}

func TestAdminProxyGrants(t *testing.T) {
	e, b, owner := newAdminEnv(t)
	target := e.addMember("target@example.com", auth.RoleMaker)
	friend := e.addMember("friend@example.com", auth.RoleMaker)
	page := murl(target.ID, "")

	r := b.get(page)
	if !strings.Contains(r.body, `data-testid="no-grants"`) || strings.Contains(r.body, `data-testid="admin-proxy-start"`) {
		t.Fatal("a fresh member should list nobody and show no Log in as button")
	}
	// The picker finds the friend.
	r = b.get(page + "?pick=friend")
	expectStatus(t, r, http.StatusOK)
	if strings.Count(r.body, `data-testid="pick"`) != 1 || !strings.Contains(r.body, "friend@example.com") {
		t.Fatalf("picker did not find the friend:\n%.3000s", r.body)
	}
	grant := url.Values{"actor_id": {strconv.FormatInt(friend.ID, 10)}}
	refusedWithoutCSRF(t, b, page+"/proxy-grants", grant)
	r = b.submit(page, page+"/proxy-grants", grant)
	p := followFlash(t, b, r, "may now log in")
	if strings.Count(p.body, `data-testid="grant"`) != 1 || !strings.Contains(p.body, "friend@example.com") {
		t.Fatal("grant not listed")
	}
	if strings.Contains(p.body, `data-testid="admin-proxy-start"`) {
		t.Fatal("Log in as shown although the list does not name the admin")
	}
	// An already-listed member is no longer offered by the picker.
	if r = b.get(page + "?pick=friend"); strings.Contains(r.body, `data-testid="pick"`) {
		t.Fatal("picker offers a member already allowed")
	}
	// A grant for a member that does not exist is refused on the page.
	r = b.submit(page, page+"/proxy-grants", url.Values{"actor_id": {"999999"}})
	if r.StatusCode < 400 || !strings.Contains(r.body, `data-testid="action-error"`) {
		t.Fatalf("grant to a missing member: %d", r.StatusCode)
	}

	// Naming the admin shows the "Log in as" button.
	r = b.submit(page, page+"/proxy-grants", url.Values{"actor_id": {strconv.FormatInt(owner.ID, 10)}})
	p = followFlash(t, b, r, "may now log in")
	if !strings.Contains(p.body, `data-testid="admin-proxy-start"`) || !strings.Contains(p.body, `action="/proxy/start/`+strconv.FormatInt(target.ID, 10)+`"`) {
		t.Fatal("no Log in as button although the list names the admin")
	}

	// Removing a grant ends it.
	del := page + "/proxy-grants/" + strconv.FormatInt(friend.ID, 10) + "/delete"
	refusedWithoutCSRF(t, b, del, nil)
	p = followFlash(t, b, b.submit(page, del, nil), "removed")
	if strings.Count(p.body, `data-testid="grant"`) != 1 {
		t.Fatal("removed grant still listed")
	}
	grants, err := e.svc.AdminProxyGrants(context.Background(), cli, target.ID)
	if err != nil || len(grants) != 1 || grants[0].ActorID != owner.ID {
		t.Fatalf("grants after removal: %+v %v", grants, err)
	}

	// The audit log shows it, on the member page and at /admin/audit.
	if !strings.Contains(p.body, auth.AuditProxyRevoke) || !strings.Contains(p.body, auth.AuditProxyGrant) {
		t.Fatal("member page audit lacks the grant entries")
	}
}

func TestAdminAuditPage(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	a := e.addMember("a@example.com", auth.RoleMaker)
	c := e.addMember("c@example.com", auth.RoleMaker)
	b.submit(murl(a.ID, ""), murl(a.ID, "/status"), url.Values{"status": {"suspended"}})
	b.submit(murl(c.ID, ""), murl(c.ID, "/reset"), nil)
	for range 55 {
		if _, err := e.svc.AdminEndSessions(context.Background(), cli, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	r := b.get("/admin/audit")
	expectStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 50 {
		t.Fatalf("first audit page: %d rows", n)
	}
	m := nextRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no link to older entries")
	}
	r = b.get(html.UnescapeString(m[1]))
	if n := strings.Count(r.body, `data-testid="audit-row"`); n < 7 {
		t.Fatalf("second audit page: %d rows", n)
	}
	r = b.get("/admin/audit?action=" + auth.AuditMemberStatus)
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 1 || !strings.Contains(r.body, "a@example.com") {
		t.Fatalf("action filter: %d rows", n)
	}
	r = b.get("/admin/audit?action=member.&member=a@example.com")
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 1 {
		t.Fatalf("member filter by email: %d rows", n)
	}
	r = b.get("/admin/audit?member=" + strconv.FormatInt(c.ID, 10) + "&action=" + auth.AuditMemberReset)
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 1 {
		t.Fatalf("member filter by id: %d rows", n)
	}
	r = b.get("/admin/audit?member=nobody@example.com")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="audit-filter-error"`) {
		t.Fatal("unknown member not reported")
	}
}

func TestAdminGroups(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	r := b.get("/admin/groups")
	expectStatus(t, r, http.StatusOK)
	refusedWithoutCSRF(t, b, "/admin/groups", url.Values{"name": {"Sales"}, "parent": {"1"}})
	followFlash(t, b, b.submit("/admin/groups", "/admin/groups", url.Values{"name": {"Sales"}, "parent": {"1"}}), "created")
	followFlash(t, b, b.submit("/admin/groups", "/admin/groups", url.Values{"name": {"EMEA"}, "parent": {"1"}}), "created")
	groups, err := e.svc.Groups(context.Background(), cli)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, g := range groups {
		ids[g.Name] = g.ID
	}
	sales, emea := ids["Sales"], ids["EMEA"]
	if sales == 0 || emea == 0 {
		t.Fatalf("groups: %+v", groups)
	}
	gp := func(id int64, suffix string) string { return "/admin/groups/" + strconv.FormatInt(id, 10) + suffix }

	// Rename and move EMEA under Sales.
	f := url.Values{"name": {"Europe"}, "parent": {strconv.FormatInt(sales, 10)}}
	refusedWithoutCSRF(t, b, gp(emea, ""), f)
	followFlash(t, b, b.submit("/admin/groups", gp(emea, ""), f), "saved")
	g := findGroup(t, e, emea)
	if g.Name != "Europe" || g.ParentID != sales {
		t.Fatalf("rename/move: %+v", g)
	}
	// A cycle is refused on the page, with the input kept.
	r = b.submit("/admin/groups", gp(sales, ""), url.Values{"name": {"Sales X"}, "parent": {strconv.FormatInt(emea, 10)}})
	if r.StatusCode < 400 || !strings.Contains(r.body, `data-testid="group-error"`) || !strings.Contains(r.body, `value="Sales X"`) {
		t.Fatalf("cycle: status %d", r.StatusCode)
	}
	if findGroup(t, e, sales).ParentID != auth.RootGroup {
		t.Fatal("cycle applied")
	}
	// The root renames (no parent input) but never moves or goes away.
	followFlash(t, b, b.submit("/admin/groups", gp(1, ""), url.Values{"name": {"Acme"}}), "saved")
	if g := findGroup(t, e, 1); g.Name != "Acme" || g.ParentID != 0 {
		t.Fatalf("root: %+v", g)
	}
	yes := func() url.Values { return url.Values{"confirm": {"yes"}} }
	r = b.submit("/admin/groups", gp(1, "/delete"), yes())
	if r.StatusCode < 400 {
		t.Fatalf("root deleted: %d", r.StatusCode)
	}
	expectStatus(t, b.get(gp(1, "/delete")), http.StatusNotFound) // no confirmation page either
	// A group with children is refused; a leaf goes.
	r = b.submit("/admin/groups", gp(sales, "/delete"), yes())
	if r.StatusCode < 400 || !strings.Contains(r.body, `data-testid="group-error"`) {
		t.Fatalf("delete with children: %d", r.StatusCode)
	}
	refusedWithoutCSRF(t, b, gp(emea, "/delete"), yes())
	// Deleting asks first: the groups page links to a confirmation page,
	// and a POST without confirm=yes only leads there.
	if list := b.get("/admin/groups"); !strings.Contains(list.body, `href="`+gp(emea, "/delete")+`" data-testid="delete-group"`) {
		t.Fatalf("groups page does not link the confirmation:\n%s", list.body)
	}
	r = b.submit("/admin/groups", gp(emea, "/delete"), nil)
	if r.StatusCode != http.StatusSeeOther || r.location() != gp(emea, "/delete") {
		t.Fatalf("unconfirmed delete: %d %q", r.StatusCode, r.location())
	}
	findGroup(t, e, emea) // still there
	confirm := b.get(gp(emea, "/delete"))
	expectStatus(t, confirm, http.StatusOK)
	if !strings.Contains(confirm.body, `data-testid="confirm-delete-group"`) || !strings.Contains(confirm.body, `name="confirm" value="yes"`) {
		t.Fatalf("confirmation page:\n%s", confirm.body)
	}
	followFlash(t, b, b.submit(gp(emea, "/delete"), gp(emea, "/delete"), yes()), "deleted")
	expectStatus(t, b.submit("/admin/groups", gp(emea, "/delete"), yes()), http.StatusNotFound)
	// An empty name is a field error on the create form.
	r = b.submit("/admin/groups", "/admin/groups", url.Values{"name": {""}, "parent": {"1"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-name"`) {
		t.Fatal("empty group name not reported")
	}
	// Roles in a subgroup from the member page.
	m := e.addMember("grouped@example.com", auth.RoleMaker)
	grant := strconv.FormatInt(sales, 10) + ":3"
	followFlash(t, b, b.submit(murl(m.ID, ""), murl(m.ID, "/roles"), url.Values{"grant": {grant}}), "roles")
	if got := e.mustReload(m.ID); len(got.Roles) != 1 || got.Roles[0].Group != sales {
		t.Fatalf("subgroup role: %+v", got.Roles)
	}
	r = b.get(murl(m.ID, ""))
	if !strings.Contains(r.body, `data-testid="grant-`+grant+`" checked`) && !strings.Contains(r.body, `value="`+grant+`" aria-label="Maker in Sales" checked`) {
		t.Fatal("role table does not show the subgroup role checked")
	}
}

func findGroup(t *testing.T, e *env, id int64) auth.Group {
	t.Helper()
	groups, err := e.svc.Groups(context.Background(), cli)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("group %d not found", id)
	return auth.Group{}
}

// TestAdminIDOR is docs/security.md A2: a member cannot act on another member,
// neither through the editor's URLs nor through a hidden member_id.
func TestAdminIDOR(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.addMember("owner@example.com", auth.RoleOwner)
	a := e.addMember("a@example.com", auth.RoleMaker)
	bm := e.addMember("b@example.com", auth.RoleMaker)
	before := e.mustReload(bm.ID)
	ab := e.browser()
	ab.mustLogin("a@example.com", goodPassword)
	bid := strconv.FormatInt(bm.ID, 10)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{murl(bm.ID, ""), url.Values{"email": {"stolen@example.com"}, "username": {"stolen"}, "name": {"Stolen"}}},
		{murl(bm.ID, "/status"), url.Values{"status": {"suspended"}}},
		{murl(bm.ID, "/roles"), url.Values{"grant": {"1:1"}}},
		{murl(bm.ID, "/proxy-grants"), url.Values{"actor_id": {strconv.FormatInt(a.ID, 10)}}},
		{murl(bm.ID, "/delete"), url.Values{"confirm": {"yes"}}},
		{murl(bm.ID, "/sessions/end"), nil},
		{"/members/" + bid, url.Values{"name": {"Stolen"}}},
	} {
		r := ab.submit("/account", tc.path, tc.form)
		if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s as a plain member: %d", tc.path, r.StatusCode)
		}
	}
	// Non-admin endpoints with a hidden member_id act on the session's member only.
	r := ab.submit("/account", "/account/profile", url.Values{"name": {"A New"}, "username": {"a.new"}, "member_id": {bid}, "id": {bid}})
	expectStatus(t, r, http.StatusSeeOther)
	after := e.mustReload(bm.ID)
	if after.Name != before.Name || after.Username != before.Username || after.Email != before.Email ||
		after.Status != before.Status || len(after.Roles) != len(before.Roles) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Fatalf("B changed: %+v", after)
	}
	if got := e.mustReload(a.ID); got.Name != "A New" {
		t.Fatalf("A's own profile not saved: %+v", got)
	}
	if g, _ := e.svc.AdminProxyGrants(context.Background(), cli, bm.ID); len(g) != 0 {
		t.Fatal("A granted itself a proxy login into B")
	}
}

// TestAdminGroupScope: a User Administrator of a subgroup sees only that
// group's members; others are 404, like missing ones.
func TestAdminGroupScope(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	followFlash(t, b, b.submit("/admin/groups", "/admin/groups", url.Values{"name": {"Team"}, "parent": {"1"}}), "created")
	var team int64
	groups, _ := e.svc.Groups(context.Background(), cli)
	for _, g := range groups {
		if g.Name == "Team" {
			team = g.ID
		}
	}
	ga := e.addMember("ga@example.com", auth.RoleMaker)
	in := e.addMember("in@example.com", auth.RoleMaker)
	out := e.addMember("out@example.com", auth.RoleMaker)
	if err := e.svc.AdminSetRoles(context.Background(), cli, ga.ID, []auth.RoleGrant{{Group: team, Role: auth.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AdminSetRoles(context.Background(), cli, in.ID, []auth.RoleGrant{{Group: team, Role: auth.RoleMaker}}); err != nil {
		t.Fatal(err)
	}
	g := e.browser()
	g.mustLogin("ga@example.com", goodPassword)
	r := g.get("/admin/members")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "in@example.com") || strings.Contains(r.body, "out@example.com") {
		t.Fatal("group admin's list is not limited to their group")
	}
	expectStatus(t, g.get(murl(in.ID, "")), http.StatusOK)
	expectStatus(t, g.get(murl(out.ID, "")), http.StatusNotFound)
	r = g.submit(murl(in.ID, ""), murl(out.ID, "/status"), url.Values{"status": {"suspended"}})
	expectStatus(t, r, http.StatusNotFound)
	if e.mustReload(out.ID).Status != auth.StatusActive {
		t.Fatal("group admin suspended a member outside their group")
	}
}
