package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

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
