package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/static"
)

// Tables and the admin shell (issue 13).

// TestTablesKeepValuesOnOneLine: ids, codes, IPs and dates are marked
// nowrap, every cell carries the label its phone card shows, and the
// stylesheet no longer lets a cell break anywhere (which split "10" into
// "1/0") but stacks rows as cards on a phone.
func TestTablesKeepValuesOnOneLine(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	pat := e.addMember("pat@example.com", auth.RoleMaker)
	// An audited change, so both audit tables have rows.
	if r := b.submit(murl(pat.ID, ""), murl(pat.ID, "/status"), url.Values{"status": {"suspended"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", r.StatusCode)
	}
	for _, page := range []string{"/admin/members", "/admin/audit", murl(pat.ID, "")} {
		r := b.get(page)
		expectStatus(t, r, http.StatusOK)
		tables := regexp.MustCompile(`(?s)<table class="table table--stack".*?</table>`).FindAllString(r.body, -1)
		if len(tables) == 0 {
			t.Fatalf("%s: no stacking table:\n%.2000s", page, r.body)
		}
		for _, tb := range tables {
			for _, td := range regexp.MustCompile(`<td[^>]*>`).FindAllString(tb, -1) {
				if !strings.Contains(td, `data-label="`) {
					t.Errorf("%s: cell without data-label: %s", page, td)
				}
			}
			if !strings.Contains(tb, `class="nowrap"`) {
				t.Errorf("%s: no nowrap cells in %.300s", page, tb)
			}
		}
		for _, label := range []string{"Id", "Created", "Time", "IP", "Action"} {
			re := regexp.MustCompile(`<td class="nowrap" data-label="` + label + `"`)
			if strings.Contains(r.body, `data-label="`+label+`"`) && !re.MatchString(r.body) {
				t.Errorf("%s: the %s column may wrap", page, label)
			}
		}
	}
	css, err := static.Content("css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	if strings.Contains(s, "overflow-wrap: anywhere;\n}") && regexp.MustCompile(`\.table td \{\s*overflow-wrap: anywhere`).MatchString(s) {
		t.Error("table cells still break anywhere")
	}
	if !regexp.MustCompile(`(?s)@media \(max-width: 40rem\).*\.table--stack td::before \{\s*content: attr\(data-label\)`).MatchString(s) {
		t.Error("no stacked cards on a phone")
	}
	// The admin container has the header's width (.container's), not
	// .page's narrower reading width nor a wider one of its own.
	container := regexp.MustCompile(`(?m)^\.container \{[^}]*max-width: ([0-9.]+rem)`).FindStringSubmatch(s)
	admin := regexp.MustCompile(`(?m)^\.page\.admin \{[^}]*max-width: ([0-9.]+rem)`).FindStringSubmatch(s)
	if container == nil || admin == nil || admin[1] != container[1] {
		t.Errorf("admin width %v, header container width %v: the admin pages do not line up with the header", admin, container)
	}
	if regexp.MustCompile(`(?m)^\.admin \{\s*max-width`).MatchString(s) {
		t.Error(".admin sets a width of its own")
	}
}

// TestMemberListCountsAndSortHeaders: the list says how many members it
// shows, and its column headers sort it (links, no script), toggling the
// direction and marking the current column with aria-sort.
func TestMemberListCountsAndSortHeaders(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	e.addMember("zed@example.com", auth.RoleMaker)
	e.addMember("amy@example.com", auth.RoleMaker)
	r := b.get("/admin/members")
	if !strings.Contains(r.body, `<p class="result-count" data-testid="result-count">3 members.</p>`) {
		t.Errorf("no result count:\n%.3000s", r.body)
	}
	if !regexp.MustCompile(`<th scope="col" aria-sort="ascending"><a class="sort-link" href="/admin/members\?dir=desc&amp;sort=id" data-testid="sort-id">`).MatchString(r.body) {
		t.Errorf("the Id header is not the current ascending sort linking to descending:\n%.4000s", r.body)
	}
	m := regexp.MustCompile(`href="([^"]+)" data-testid="sort-email"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no Email sort header")
	}
	sorted := b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	emails := regexp.MustCompile(`data-testid="member-link">([^<]+)<`).FindAllStringSubmatch(sorted.body, -1)
	if len(emails) != 3 || emails[0][1] != "amy@example.com" || emails[2][1] != "zed@example.com" {
		t.Errorf("sorted by email: %v", emails)
	}
	if !strings.Contains(sorted.body, `aria-sort="ascending"><a class="sort-link" href="/admin/members?dir=desc&amp;sort=email"`) {
		t.Error("the Email header does not offer the descending sort")
	}
	// A filter is kept by the header links.
	q := b.get("/admin/members?q=example")
	if !strings.Contains(q.body, `href="/admin/members?q=example&amp;sort=email" data-testid="sort-email"`) {
		t.Errorf("sort link lost the search:\n%.3000s", q.body)
	}
}
