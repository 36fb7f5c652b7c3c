package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func TestProfileUpdate(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("pat@example.com", goodPassword)
	e.createMember("other@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("pat@example.com", goodPassword)

	r := b.submit("/account", "/account/profile", url.Values{"name": {"Pat Q"}, "username": {"Pat.Q"}, "bio": {"Line one\nLine two"}})
	expectStatus(t, r, http.StatusSeeOther)
	r = b.get("/account")
	if !strings.Contains(r.body, "Your profile has been saved.") || !strings.Contains(r.body, `value="pat.q"`) {
		t.Fatalf("profile not saved or no flash:\n%s", r.body)
	}
	// The new username is a login identifier.
	e.browser().mustLogin("PAT.Q", goodPassword)

	for _, tc := range []struct{ field, value, msg string }{
		{"username", "x", "letters, digits"},
		{"username", "other@example.com", "letters, digits"},
		{"name", strings.Repeat("n", 101), "at most 100"},
	} {
		f := url.Values{"name": {"Pat"}, "username": {"pat.q"}}
		f.Set(tc.field, tc.value)
		r := b.submit("/account", "/account/profile", f)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `data-testid="error-`+tc.field+`"`) || !strings.Contains(r.body, tc.msg) {
			t.Fatalf("%s=%q: no field error %q", tc.field, tc.value, tc.msg)
		}
	}
	// A username taken by another member.
	expectStatus(t, e.browser().submitAs("other@example.com", "/account/profile", url.Values{"name": {"O"}, "username": {"taken.name"}}), http.StatusSeeOther)
	r = b.submit("/account", "/account/profile", url.Values{"name": {"Pat"}, "username": {"Taken.Name"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "This username is taken.") {
		t.Fatal("taken username not reported")
	}
}

// submitAs logs in as the member, then submits a form from the account page.
func (b *browser) submitAs(identifier, action string, form url.Values) *response {
	b.e.t.Helper()
	b.mustLogin(identifier, goodPassword)
	return b.submit("/account", action, form)
}

// TestChangePassword covers the account page's password form (P1, P6).
func TestChangePassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("cy@example.com", goodPassword)
	b, other, third := e.browser(), e.browser(), e.browser()
	b.mustLogin("cy@example.com", goodPassword)
	other.mustLogin("cy@example.com", goodPassword)
	third.mustLogin("cy@example.com", goodPassword)
	change := func(current, next, confirm string, signOut bool) *response {
		f := url.Values{"current_password": {current}, "new_password": {next}, "confirm_password": {confirm}}
		if signOut {
			f.Set("sign_out_others", "1")
		}
		return b.submit("/account", "/account/password", f)
	}
	for _, tc := range []struct{ current, next, confirm, field, msg string }{
		{"wrong password!!", "fresh passphrase one", "fresh passphrase one", "current_password", "incorrect"},
		{goodPassword, "short12", "short12", "new_password", "at least 8 characters"},
		{goodPassword, "fresh passphrase one", "fresh passphrase two", "confirm_password", "do not match"},
	} {
		r := change(tc.current, tc.next, tc.confirm, true)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `data-testid="error-`+tc.field+`"`) || !strings.Contains(r.body, tc.msg) {
			t.Fatalf("want %s error %q", tc.field, tc.msg)
		}
	}
	// Without "sign out others", the other sessions stay.
	expectStatus(t, change(goodPassword, "fresh passphrase one", "fresh passphrase one", false), http.StatusSeeOther)
	if !other.signedIn() || !b.signedIn() {
		t.Fatal("sessions ended although sign-out-others was off")
	}
	// With it, every other session ends and this one stays.
	expectStatus(t, change("fresh passphrase one", "fresh passphrase two", "fresh passphrase two", true), http.StatusSeeOther)
	if other.signedIn() || third.signedIn() {
		t.Fatal("other sessions survived sign-out-others")
	}
	if !b.signedIn() {
		t.Fatal("the current session ended")
	}
	e.browser().mustLogin("cy@example.com", "fresh passphrase two")
	// Each change mailed a notice.
	n := 0
	for _, m := range e.smtp.WaitFor(t, 2, 10*time.Second) {
		if strings.Contains(string(m.Data), "password was changed") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d change notices, want 2", n)
	}
}

var revokeRE = regexp.MustCompile(`action="/account/sessions/(\d+)/revoke"`)

// TestSessionsListAndRevoke: the account page lists the member's sessions;
// signing one out ends it on its next request; another member's session id
// is not found and stays alive.
func TestSessionsListAndRevoke(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("sue@example.com", goodPassword)
	e.createMember("tom@example.com", goodPassword)
	b, phone, tom := e.browser(), e.browser(), e.browser()
	b.mustLogin("sue@example.com", goodPassword)
	phone.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
	phone.mustLogin("sue@example.com", goodPassword)
	tom.mustLogin("tom@example.com", goodPassword)

	r := b.get("/account")
	ids := revokeRE.FindAllStringSubmatch(r.body, -1)
	if len(ids) != 1 || !strings.Contains(r.body, `data-testid="current-session"`) {
		t.Fatalf("want one other session with a sign-out button and the current one marked; got %v", ids)
	}
	tomSessions, _ := e.svc.ListSessions(context.Background(), memberID(t, e, "tom@example.com"))
	// Another member's session: 404, and it stays alive.
	r = b.submit("/account", "/account/sessions/"+strconv.FormatInt(tomSessions[0].ID, 10)+"/revoke", nil)
	expectStatus(t, r, http.StatusNotFound)
	if !tom.signedIn() {
		t.Fatal("revoking another member's session id ended it")
	}
	expectStatus(t, b.submit("/account", "/account/sessions/"+ids[0][1]+"/revoke", nil), http.StatusSeeOther)
	if phone.signedIn() {
		t.Fatal("revoked session still signed in")
	}
	if !b.signedIn() {
		t.Fatal("revoking another session ended this one")
	}
}

func memberID(t *testing.T, e *env, login string) int64 {
	t.Helper()
	m, err := e.store.MemberByLogin(context.Background(), auth.Canonical(login))
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestTemporaryPassword: a member created with a temporary password must set
// a new one at first login.
func TestTemporaryPassword(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := e.svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: "tess@example.com", Password: "temporary pass 1", Temporary: true}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	r := b.login("tess@example.com", "temporary pass 1")
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/login/new-password" {
		t.Fatalf("went to %q", r.location())
	}
	if b.signedIn() {
		t.Fatal("signed in before setting a new password")
	}
	r = b.submit("/login/new-password", "/login/new-password", url.Values{"password": {"temporary pass 1"}, "confirm": {"temporary pass 1"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = b.submit("/login/new-password", "/login/new-password", url.Values{"password": {"my own passphrase"}, "confirm": {"my own passphrase"}})
	expectStatus(t, r, http.StatusSeeOther)
	if !b.signedIn() {
		t.Fatal("not signed in after setting the new password")
	}
	if r := e.browser().login("tess@example.com", "temporary pass 1"); r.StatusCode != http.StatusUnauthorized {
		t.Fatal("temporary password still works")
	}
	e.browser().mustLogin("tess@example.com", "my own passphrase")
}

// TestDevMailbox: in dev without SMTP, mail stays in the outbox and is shown
// at /_dev/mail(.json); in prod the routes do not exist.
func TestDevMailbox(t *testing.T) {
	e := newEnv(t, envOptions{noSMTP: true, baseURL: "http://localhost:8080"})
	e.createMember("dev@example.com", goodPassword)
	expectStatus(t, e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"dev@example.com"}}), http.StatusOK)
	e.x.WaitRequests() // the worker resolves the request into the mail
	r := e.browser().get("/_dev/mail.json")
	expectStatus(t, r, http.StatusOK)
	var mails []struct {
		Kind, To, Subject string
		Links             []string
	}
	if err := json.Unmarshal([]byte(r.body), &mails); err != nil || len(mails) != 1 {
		t.Fatalf("dev mail json: %v %s", err, r.body)
	}
	if mails[0].Kind != "reset" || !strings.HasPrefix(mails[0].Links[0], "http://localhost:8080/reset-password?token=") {
		t.Fatalf("dev mail: %+v", mails[0])
	}
	r = e.browser().get("/_dev/mail")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="dev-mail"`) {
		t.Fatalf("dev mail page: %d", r.StatusCode)
	}

	p := newEnv(t, envOptions{prod: true})
	for _, path := range []string{"/_dev/mail", "/_dev/mail.json"} {
		expectStatus(t, p.browser().get(path), http.StatusNotFound)
	}
}
