package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

var activityEndRE = regexp.MustCompile(`action="(/account/activity/sessions/\d+/end)"`)

func TestAccountActivityPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.addMember("ann@example.com", auth.RoleMaker)
	bea := e.addMember("bea@example.com", auth.RoleMaker)

	other := e.browser()
	other.mustLogin("ann@example.com", goodPassword)
	b := e.browser()
	if r := b.login("ann@example.com", "wrong password here"); r.StatusCode == http.StatusSeeOther {
		t.Fatal("wrong password signed in")
	}
	b.mustLogin("ann@example.com", goodPassword)
	if st, _, raw := apiCall(t, e, "POST", "/v1/login", map[string]any{"username": "ann@example.com", "password": goodPassword}); st != http.StatusOK {
		t.Fatalf("wme login: %d %s", st, raw)
	}

	if r := b.get("/account"); !strings.Contains(r.body, `href="/account/activity"`) {
		t.Fatal("no link from the account page")
	}
	r := b.get("/account/activity")
	expectStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="signin-row"`); n != 4 { // two page, one wme, one failure
		t.Fatalf("%d sign-in rows", n)
	}
	if !strings.Contains(r.body, "Failed sign-in") || !strings.Contains(r.body, "API (wme)") {
		t.Error("sign-ins lack the failure or the wme door")
	}
	if n := strings.Count(r.body, `data-testid="activity-session"`); n != 3 {
		t.Fatalf("%d live sessions", n)
	}
	if n := strings.Count(r.body, `data-testid="activity-current"`); n != 1 {
		t.Fatalf("%d current markers", n)
	}

	// Sign out the other browser from here.
	sessions, err := e.svc.ListSessions(context.Background(), ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	var otherID int64
	for _, s := range sessions {
		if s.Via == auth.ViaPage && (otherID == 0 || s.ID < otherID) {
			otherID = s.ID // the first page sign-in: the other browser
		}
	}
	end := "/account/activity/sessions/" + strconv.FormatInt(otherID, 10) + "/end"
	if !strings.Contains(r.body, `action="`+end+`"`) {
		t.Fatalf("no sign-out button for session %d: %v", otherID, activityEndRE.FindAllString(r.body, -1))
	}
	res := b.submit("/account/activity", end, nil)
	if res.StatusCode != http.StatusSeeOther || res.location() != "/account/activity" {
		t.Fatalf("end session: %d %s", res.StatusCode, res.location())
	}
	if other.signedIn() {
		t.Error("the other browser is still signed in")
	}
	if !b.signedIn() {
		t.Error("this browser was signed out")
	}

	// A proxy login into ann's account shows who and why; the proxy
	// session itself may not read the page.
	if _, err := e.svc.AdminGrantProxy(context.Background(), cli, ann.ID, bea.ID); err != nil {
		t.Fatal(err)
	}
	pb := e.browser()
	pb.mustLogin("bea@example.com", goodPassword)
	expectStatus(t, pb.submit("/account", "/proxy/start/"+strconv.FormatInt(ann.ID, 10), url.Values{"reason": {"support ticket 42"}}), http.StatusSeeOther)
	if r := pb.get("/account/activity"); r.StatusCode != http.StatusForbidden {
		t.Errorf("activity page inside a proxy session: %d", r.StatusCode)
	}
	r = b.get("/account/activity")
	if n := strings.Count(r.body, `data-testid="visit-row"`); n != 1 || !strings.Contains(r.body, "support ticket 42") ||
		!strings.Contains(r.body, "bea@example.com") {
		t.Fatalf("proxy visits: %d", n)
	}
}
