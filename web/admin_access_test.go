package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

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
