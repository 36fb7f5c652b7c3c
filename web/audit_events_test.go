package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// TestAuditEventsThroughTheDoors drives authentication events over HTTP
// through the pages and a dialect and finds them, labelled with their door
// and result, on the admin audit page with its filters; a proxy login
// through the pages mails the member who and why.
func TestAuditEventsThroughTheDoors(t *testing.T) {
	e, admin, _ := newAdminEnv(t)
	ann := e.addMember("ann@example.com", auth.RoleMaker)
	bea := e.addMember("bea@example.com", auth.RoleMaker)

	// Pages: a failed and a good sign-in.
	b := e.browser()
	if r := b.login("ann@example.com", "wrong password here"); r.StatusCode == http.StatusSeeOther {
		t.Fatal("wrong password signed in")
	}
	b.mustLogin("ann@example.com", goodPassword)
	// wme: a failed sign-in of nobody, a good one of ann.
	if st, _, raw := apiCall(t, e, "POST", "/v1/login", map[string]any{"username": "ghost@example.com", "password": "wrong password here"}); st == http.StatusOK {
		t.Fatalf("ghost signed in: %s", raw)
	}
	if st, _, raw := apiCall(t, e, "POST", "/v1/login", map[string]any{"username": "ann@example.com", "password": goodPassword}); st != http.StatusOK {
		t.Fatalf("wme login: %d %s", st, raw)
	}

	rows := func(q string) []string {
		t.Helper()
		r := admin.get("/admin/audit?" + q)
		expectStatus(t, r, http.StatusOK)
		var out []string
		for _, part := range strings.Split(r.body, `data-testid="audit-row"`)[1:] {
			out = append(out, part[:strings.Index(part, "</tr>")])
		}
		return out
	}
	failed := rows("action=" + auth.AuditSignInFailed)
	if len(failed) != 2 || !strings.Contains(failed[0], ">wme<") || !strings.Contains(failed[1], ">page<") ||
		!strings.Contains(failed[0], ">failed<") || strings.Contains(failed[0], "ghost") {
		t.Fatalf("failed sign-ins (newest first): %q", failed)
	}
	annRows := rows("action=auth.&member=ann@example.com")
	if len(annRows) != 3 { // the page failure, two sign-ins
		t.Fatalf("ann's auth events: %d %q", len(annRows), annRows)
	}
	today := time.Now().UTC().Format("2006-01-02")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	if n := len(rows("action=auth.signin&from=" + today + "&to=" + today)); n != 3 { // admin, ann twice
		t.Errorf("sign-ins today: %d", n)
	}
	if n := len(rows("action=auth.&from=" + tomorrow)); n != 0 {
		t.Errorf("auth events from tomorrow: %d", n)
	}
	if r := admin.get("/admin/audit?from=yesterday"); !strings.Contains(r.body, `data-testid="audit-filter-error"`) || r.StatusCode != http.StatusOK {
		t.Errorf("malformed day: %d", r.StatusCode)
	}

	// A proxy login through the pages: a reason is asked, then the member
	// gets the mail.
	if _, err := e.svc.AdminGrantProxy(context.Background(), cli, bea.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	start := "/proxy/start/" + strconv.FormatInt(bea.ID, 10)
	if r := b.submit("/account", start, nil); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="proxy-reason-form"`) {
		t.Fatalf("start without a reason: %d", r.StatusCode)
	}
	if r := b.submit("/account", start, url.Values{"reason": {"x"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `id="reason-error"`) {
		t.Fatalf("short reason: %d", r.StatusCode)
	}
	expectStatus(t, b.submit("/account", start, url.Values{"reason": {"support ticket 42"}}), http.StatusSeeOther)
	var got string
	deadline := time.Now().Add(10 * time.Second)
	for got == "" && time.Now().Before(deadline) {
		for _, m := range e.smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "bea@example.com" && strings.Contains(string(m.Data), "proxy session") {
				got = string(m.Data)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got == "" || !strings.Contains(got, "support ticket 42") || !strings.Contains(got, "ann@example.com") {
		t.Fatalf("bea's mail: %q", got)
	}
	if start := rows("action=" + auth.AuditProxyStart); len(start) != 1 || !strings.Contains(start[0], "support ticket 42") {
		t.Errorf("proxy.start rows %q", start)
	}
}
