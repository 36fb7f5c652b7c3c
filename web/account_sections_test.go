package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The account page in sections (issue 13).

// TestAccountSectionsAndNav: the page has a section navigation whose links
// reach a section each, in the order of the page.
func TestAccountSectionsAndNav(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", goodPw)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPw)
	r := b.get("/account")
	nav := regexp.MustCompile(`(?s)<nav class="section-nav" aria-label="Account sections" data-testid="account-nav">(.*?)</nav>`).FindStringSubmatch(r.body)
	if nav == nil {
		t.Fatalf("no section navigation:\n%.3000s", r.body)
	}
	last := 0
	for _, id := range []string{"profile", "password", "sessions", "files", "proxy"} {
		if !strings.Contains(nav[1], `href="#`+id+`"`) {
			t.Errorf("the navigation lacks #%s", id)
		}
		at := strings.Index(r.body, `<section class="card section" aria-labelledby="`+id+`-title" id="`+id+`"`)
		if at < 0 {
			t.Errorf("no section with id %q", id)
			continue
		}
		if at < last {
			t.Errorf("section %q is out of the navigation's order", id)
		}
		last = at
	}
	if strings.Contains(r.body, `data-testid="proxied-disabled"`) || strings.Contains(r.body, "<fieldset class=\"fieldset\" disabled") {
		t.Error("forms disabled outside a proxy session")
	}
}

// TestProxySessionFormsDisabledWithReason: inside a proxy session the
// profile and password forms are shown disabled with the reason, not
// offered to end on a 403 page.
func TestProxySessionFormsDisabledWithReason(t *testing.T) {
	f := newProxyFixture(t)
	b := f.actorBrowser(t)
	if r := start(b, f.b.ID); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("proxy start: %d", r.StatusCode)
	}
	r := b.get("/account")
	expectStatus(t, r, http.StatusOK)
	for _, action := range []string{"/account/profile", "/account/password", "/account/two-factor/setup"} {
		form := regexp.MustCompile(`(?s)<form class="form" method="post" action="` + action + `">.*?</form>`).FindString(r.body)
		if !strings.Contains(form, `<fieldset class="fieldset" disabled>`) {
			t.Errorf("%s form is not disabled in a proxy session:\n%s", action, form)
		}
	}
	if strings.Count(r.body, `data-testid="proxied-disabled"`) != 3 || !strings.Contains(r.body, "Not available while you act as another member") {
		t.Error("the disabled forms do not say why")
	}
	// The proxy activity of B reads as sentences, not raw audit text.
	bb := f.e.browser()
	bb.mustLogin(f.b.Email, goodPassword)
	own := bb.get("/account")
	row := regexp.MustCompile(`(?s)<li class="session" data-testid="proxy-activity-row">.*?</li>`).FindString(own.body)
	if !strings.Contains(row, "Someone signed in as you") || !strings.Contains(row, "<dt>When</dt>") {
		t.Errorf("proxy activity row:\n%s", row)
	}
}

// TestRefusedUploadInline: a refused upload re-renders the page with the
// reason on the upload form, not a bare 422 page.
func TestRefusedUploadInline(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", goodPw)
	b := e.browser()
	b.mustLogin("ann@example.com", goodPw)
	r := b.upload("/account", "/account/files", "avatar", "notes.txt", []byte("plain text, not an image"))
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if strings.Contains(r.body, `data-testid="error-page"`) || !strings.Contains(r.body, `data-testid="account-heading"`) {
		t.Fatalf("a refused upload ends on an error page:\n%.2000s", r.body)
	}
	files := regexp.MustCompile(`(?s)<section class="card section" aria-labelledby="files-title".*?</section>`).FindString(r.body)
	if !strings.Contains(files, `data-testid="form-error"`) {
		t.Errorf("no reason on the upload form:\n%s", files)
	}
	if !strings.HasPrefix(pageTitle(r.body), "Error: ") {
		t.Errorf("title %q", pageTitle(r.body))
	}
}
