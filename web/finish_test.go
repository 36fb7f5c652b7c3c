package web_test

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// Page fixes of issue 13, each failing on the code before it.

const goodPw = "violet-harbour-lantern-42"

var titleRE = regexp.MustCompile(`(?s)<title>\s*(.*?)\s*</title>`)

func pageTitle(body string) string {
	m := titleRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.Join(strings.Fields(m[1]), " ")
}

// TestRegisterPageAndMailAgree: the page after registering and the welcome
// mail say the same thing (the account is ready: sign in), and the page's
// primary button is that next step.
func TestRegisterPageAndMailAgree(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	r := b.submit("/register", "/register", url.Values{"name": {"Ann"}, "email": {"ann@example.com"}, "password": {goodPw}, "confirm": {goodPw}})
	expectStatus(t, r, http.StatusOK)
	if !regexp.MustCompile(`<a class="btn btn--primary[^"]*" href="/login" data-testid="register-next">Sign in</a>`).MatchString(r.body) {
		t.Errorf("the page's primary button is not Sign in:\n%s", r.body)
	}
	if !strings.Contains(r.body, "your account is ready") {
		t.Error("the page does not say the account is ready, as the mail does")
	}
	msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
	data, _ := readQP(string(msg.Data))
	if !strings.Contains(data, "Your account is ready: sign in") || strings.Contains(data, "Open my account") {
		t.Errorf("welcome mail does not tell to sign in:\n%s", data)
	}
	// And signing in is the next step indeed.
	b.mustLogin("ann@example.com", goodPw)
}

func readQP(s string) (string, error) {
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	return string(b), err
}

// TestFailedSubmitTitleAndFocus: after a failed submit the title starts
// with "Error: " and the error summary takes the focus (autofocus).
func TestFailedSubmitTitleAndFocus(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", goodPw)
	b := e.browser()
	if got := pageTitle(b.get("/login").body); got != "Sign in · Gatehouse" {
		t.Errorf("title of a plain page: %q", got)
	}
	for _, c := range []struct {
		page, action string
		form         url.Values
	}{
		{"/login", "/login", url.Values{"identifier": {"ann@example.com"}, "password": {"wrong-password-123"}}},
		{"/register", "/register", url.Values{"name": {"X"}, "email": {"not-an-email"}, "password": {goodPw}, "confirm": {goodPw}}},
		{"/forgot-password", "/forgot-password", url.Values{"email": {""}}},
	} {
		r := b.submit(c.page, c.action, c.form)
		if r.StatusCode < 400 {
			t.Fatalf("%s: status %d, want a failure", c.action, r.StatusCode)
		}
		if title := pageTitle(r.body); !strings.HasPrefix(title, "Error: ") {
			t.Errorf("%s: title %q does not start with \"Error: \"", c.action, title)
		}
		if !regexp.MustCompile(`<div class="alert alert--error" role="alert" data-testid="form-error" id="error-summary" tabindex="-1" autofocus>`).MatchString(r.body) {
			t.Errorf("%s: the error summary does not take the focus:\n%.3000s", c.action, r.body)
		}
	}
}

// TestErrorPageOffersBack: an error page links back to the same-site page
// the visitor came from, and never to another site.
func TestErrorPageOffersBack(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	r := b.fetch("/no-such-page", "", "Referer", e.baseURL+"/login?x=1")
	expectStatus(t, r, http.StatusNotFound)
	if !strings.Contains(r.body, `href="/login?x=1" data-testid="error-back">Back</a>`) {
		t.Errorf("404 without Back to the referring page:\n%s", r.body)
	}
	if title := pageTitle(r.body); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("error page title %q", title)
	}
	for _, ref := range []string{"https://evil.example/login", "//evil.example/x", "javascript:alert(1)", ""} {
		r := b.fetch("/no-such-page", "", "Referer", ref)
		if strings.Contains(r.body, "error-back") {
			t.Errorf("Referer %q offered as Back:\n%s", ref, r.body)
		}
	}
	// A refused form (expired CSRF token) goes back to the form.
	r = b.postRaw("/login", url.Values{"_csrf": {"stale"}}, "Referer", e.baseURL+"/login")
	expectStatus(t, r, http.StatusForbidden)
	if !strings.Contains(r.body, `href="/login" data-testid="error-back"`) {
		t.Errorf("403 after a form without Back to it:\n%s", r.body)
	}
}

// TestInvitationPageSetsFirstPassword: the link of an admin's invitation
// asks for a first password, not a "new" one; a reset link still does.
func TestInvitationPageSetsFirstPassword(t *testing.T) {
	e, b, _ := newAdminEnv(t)
	r := b.submit("/admin/members/new", "/admin/members", url.Values{"email": {"invited@example.com"}, "grant": {"1:3"}})
	followFlash(t, b, r, "invitation")
	msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
	link, err := url.Parse(smtptest.LinkIn(msg, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	guest := e.browser()
	page := guest.get(link.RequestURI())
	expectStatus(t, page, http.StatusOK)
	if strings.Contains(page.body, "new password") || strings.Contains(page.body, "New password") {
		t.Errorf("the invitation page talks of a new password:\n%s", page.body)
	}
	if pageTitle(page.body) != "Set your password · Gatehouse" || !strings.Contains(page.body, `data-testid="invite-lead"`) {
		t.Errorf("invitation page title %q", pageTitle(page.body))
	}
	// A mismatch keeps the invitation's wording.
	token := link.Query().Get("token")
	r = guest.submit(link.RequestURI(), "/reset-password", url.Values{"token": {token}, "invited": {"1"}, "password": {goodPw}, "confirm": {"other"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if strings.Contains(r.body, "New password") || !strings.HasPrefix(pageTitle(r.body), "Error: Set your password") {
		t.Errorf("after a mismatch: title %q", pageTitle(r.body))
	}
	// The invited member sets the password and signs in.
	r = guest.submit(link.RequestURI(), "/reset-password", url.Values{"token": {token}, "password": {goodPw}, "confirm": {goodPw}})
	expectStatus(t, r, http.StatusSeeOther)
	guest.mustLogin("invited@example.com", goodPw)

	// A reset link of a member who has a password keeps "new password".
	e.createMember("ann@example.com", goodPw)
	anon := e.browser()
	anon.submit("/forgot-password", "/forgot-password", url.Values{"email": {"ann@example.com"}})
	reset := e.smtp.WaitFor(t, 3, 10*time.Second)
	var resetLink string
	for _, m := range reset {
		if m.To[0] == "ann@example.com" {
			resetLink = smtptest.LinkIn(m, "https://")
		}
	}
	u, _ := url.Parse(resetLink)
	if p := anon.get(u.RequestURI()); !strings.Contains(p.body, "Choose a new password") {
		t.Errorf("reset page lost its wording: %q", pageTitle(p.body))
	}
}
