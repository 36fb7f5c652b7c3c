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
