package kotive_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
)

func TestResetPasswordGolden(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", password)
	known := e.Do("POST", "/api/user/resetpassword", map[string]string{"email": "ann@example.com"})
	golden(t, "resetpassword", known, nil)
	unknown := e.Do("POST", "/api/user/resetpassword", map[string]string{"email": "new@example.com"})
	if known.StatusCode != 200 || string(known.Body) != "OK" || known.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("known: %d %q %q", known.StatusCode, known.Header.Get("Content-Type"), known.Body)
	}
	if unknown.StatusCode != known.StatusCode || string(unknown.Body) != string(known.Body) {
		t.Fatalf("unknown: %d %q", unknown.StatusCode, unknown.Body)
	}
	if d := headerDiff(known.Header, unknown.Header); d != "" {
		t.Fatalf("headers differ for known and unknown: %s", d)
	}
}

func TestResetPasswordMalformed(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		body, contentType, want string
	}{
		"bad json":       {`{"email": `, "application/json", "Malformed JSON"},
		"number":         {`{"email": 5}`, "application/json", `"email" must be a string`},
		"array":          {`["ann@example.com"]`, "application/json", "JSON object"},
		"string":         {`"ann@example.com"`, "application/json", "JSON object"},
		"empty":          {``, "application/json", `"email" is required`},
		"no email":       {`{}`, "application/json", `"email" is required`},
		"blank email":    {`{"email": "  "}`, "application/json", `"email" is required`},
		"trailing":       {`{"email": "a@example.com"} {}`, "application/json", "Unexpected data"},
		"not an address": {`{"email": "not-an-email"}`, "application/json", ""},
	} {
		r := e.Do("POST", "/api/user/resetpassword", tc.body, "Content-Type", tc.contentType)
		if name == "number" {
			golden(t, "resetpassword_malformed", r, nil)
		}
		msg, _ := r.JSON()["message"].(string)
		if r.StatusCode != 400 || msg == "" || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: status %d, want 400 with %q: %s", name, r.StatusCode, tc.want, r.Body)
		}
	}
}

// TestResetPasswordKnownEmail: a known email gets a working reset link.
func TestResetPasswordKnownEmail(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", password)
	if r := e.Do("POST", "/api/user/resetpassword", map[string]string{"email": "Ann@Example.com"}); r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "ann@example.com" {
		t.Fatalf("recipients %v", msgs[0].To)
	}
	link := smtptest.LinkIn(msgs[0], e.BaseURL+"/reset-password?token=")
	if link == "" {
		text, _ := smtptest.Bodies(msgs[0])
		t.Fatalf("no reset link in:\n%s", text)
	}
	if r := e.Do("GET", strings.TrimPrefix(link, e.BaseURL), nil); r.StatusCode != 200 || strings.Contains(string(r.Body), "invalid") {
		t.Fatalf("reset page: %d", r.StatusCode)
	}
}

// TestResetPasswordUnknownEmailInvites: an unknown email gets an invitation
// whose link opens the register page with the email prefilled and locked;
// completing it signs the new member in with a verified email, and the link
// then no longer works.
func TestResetPasswordUnknownEmailInvites(t *testing.T) {
	e := newEnv(t)
	if r := e.Do("POST", "/api/user/resetpassword", map[string]string{"email": "New.Person@example.com"}); r.StatusCode != 200 || string(r.Body) != "OK" {
		t.Fatalf("status %d: %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	if len(msgs[0].To) != 1 || !strings.EqualFold(msgs[0].To[0], "new.person@example.com") {
		t.Fatalf("recipients %v", msgs[0].To)
	}
	link := smtptest.LinkIn(msgs[0], e.BaseURL+"/register?invite=")
	if link == "" {
		text, _ := smtptest.Bodies(msgs[0])
		t.Fatalf("no invitation link in:\n%s", text)
	}
	b := &browser{e: e, cookies: map[string]string{}}
	page := b.get(strings.TrimPrefix(link, e.BaseURL))
	if page.StatusCode != 200 {
		t.Fatalf("register page: %d", page.StatusCode)
	}
	emailInput := regexp.MustCompile(`<input[^>]*name="email"[^>]*>`).FindString(page.body)
	if !strings.Contains(emailInput, `value="New.Person@example.com"`) || !strings.Contains(emailInput, "readonly") {
		t.Fatalf("email input not prefilled and locked: %s", emailInput)
	}
	invite := regexp.MustCompile(`name="invite" value="([^"]+)"`).FindStringSubmatch(page.body)
	if invite == nil {
		t.Fatal("no invite field in the form")
	}
	if page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", page.Header.Get("Referrer-Policy"))
	}

	// Another address than the invited one is refused, the invitation kept.
	form := url.Values{"_csrf": {csrfOf(t, page.body)}, "invite": {invite[1]}, "name": {"New Person"},
		"email": {"other@example.com"}, "password": {password}, "confirm": {password}}
	r := b.post("/register", form)
	if r.StatusCode != 422 || !strings.Contains(r.body, `name="invite"`) {
		t.Fatalf("wrong email: status %d", r.StatusCode)
	}
	form.Set("_csrf", csrfOf(t, r.body))
	form.Set("email", "New.Person@example.com")
	r = b.post("/register", form)
	// The page answers "check your inbox" and signs nobody in (B7).
	if r.StatusCode != 200 || !strings.Contains(r.body, `data-testid="register-sent"`) {
		t.Fatalf("register: status %d location %q:\n%.1500s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	m, err := e.Store.MemberByLogin(context.Background(), auth.Canonical("new.person@example.com"))
	if err != nil || !m.EmailVerified || m.Status != auth.StatusActive {
		t.Fatalf("member %+v, err %v: want active with a verified email", m, err)
	}
	// The new member logs in through kotive.
	mustLogin(t, e, "new.person@example.com", password)

	// The invitation is used up: the link shows the normal form with an error.
	again := (&browser{e: e, cookies: map[string]string{}}).get(strings.TrimPrefix(link, e.BaseURL))
	if again.StatusCode != 200 || strings.Contains(again.body, `name="invite"`) || !strings.Contains(again.body, "invitation link is invalid or has expired") {
		t.Fatalf("used invitation: status %d:\n%.1500s", again.StatusCode, again.body)
	}
}

func TestRegisterBogusInvite(t *testing.T) {
	e := newEnv(t)
	b := &browser{e: e, cookies: map[string]string{}}
	page := b.get("/register?invite=bogus")
	if page.StatusCode != 200 || strings.Contains(page.body, `name="invite"`) || strings.Contains(page.body, "readonly") ||
		!strings.Contains(page.body, "invitation link is invalid or has expired") {
		t.Fatalf("status %d:\n%.1500s", page.StatusCode, page.body)
	}
	// Posting a bogus invite creates nothing and falls back to the normal form.
	form := url.Values{"_csrf": {csrfOf(t, page.body)}, "invite": {"bogus"}, "name": {"X"},
		"email": {"x@example.com"}, "password": {password}, "confirm": {password}}
	r := b.post("/register", form)
	if r.StatusCode != 422 || strings.Contains(r.body, `name="invite"`) || !strings.Contains(r.body, "invitation link is invalid or has expired") {
		t.Fatalf("status %d:\n%.1500s", r.StatusCode, r.body)
	}
	if _, err := e.Store.MemberByLogin(context.Background(), "x@example.com"); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("member created with a bogus invite (err %v)", err)
	}
}

// browser keeps the pages' cookies across requests.
type browser struct {
	e       *testenv.Env
	cookies map[string]string
}

type page struct {
	*testenv.Response
	body string
}

func (b *browser) do(method, path, body string, headers ...string) page {
	b.e.T.Helper()
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, (&http.Cookie{Name: k, Value: v}).String())
	}
	if len(parts) > 0 {
		headers = append(headers, "Cookie", strings.Join(parts, "; "))
	}
	var raw any
	if body != "" {
		raw = body
	}
	r := b.e.Do(method, path, raw, headers...)
	for _, c := range r.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return page{Response: r, body: string(r.Body)}
}

func (b *browser) get(path string) page { return b.do("GET", path, "") }

func (b *browser) post(path string, form url.Values) page {
	return b.do("POST", path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%.1500s", body)
	}
	return m[1]
}
