package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/web/api/apitest"
)

const goodPassword = "correct horse battery"

func registerForm(name, email, password string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "password": {password}, "confirm": {password}}
}

func TestRegisterLogoutLogin(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	r := b.submit("/register", "/register", registerForm("Ann Example", "Ann@Example.com", goodPassword))
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="register-sent"`) {
		t.Fatalf("register did not answer check-your-inbox:\n%s", r.body)
	}
	// Registration does not sign in (B7): the new member signs in.
	if b.signedIn() {
		t.Fatal("signed in by registering")
	}
	b.mustLogin("ann@example.com", goodPassword)
	r = b.get("/account")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "Ann Example") {
		t.Fatalf("account page lacks the name:\n%s", r.body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("authenticated page Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	old := copyCookies(b.cookies)

	r = b.submit("/account", "/logout", nil)
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/login?signed_out=1" || !strings.Contains(r.Header.Get("Clear-Site-Data"), `"cookies"`) {
		t.Fatalf("logout: location %q, Clear-Site-Data %q", r.location(), r.Header.Get("Clear-Site-Data"))
	}
	if b.signedIn() {
		t.Fatal("still signed in after logout")
	}
	// Replaying the old cookie gets the login page (S3).
	replay := e.browser()
	replay.cookies = old
	if r := replay.get("/account"); r.StatusCode != http.StatusSeeOther || r.location() != "/login" {
		t.Fatalf("old cookie after logout: %d %q", r.StatusCode, r.location())
	}

	// Any identifier spelling works.
	for _, id := range []string{"ann@example.com", " ANN@example.COM ", "Ann@Example.com"} {
		c := e.browser()
		c.mustLogin(id, goodPassword)
		if !c.signedIn() {
			t.Fatalf("login as %q did not sign in", id)
		}
	}
	// A welcome mail was sent through SMTP.
	msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
	if len(msgs[0].To) != 1 || !strings.EqualFold(msgs[0].To[0], "Ann@Example.com") {
		t.Errorf("welcome mail to %v", msgs[0].To)
	}
}

func copyCookies(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("taken@example.com", goodPassword)
	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"short password (P1)", registerForm("Bo", "bo@example.com", "short12"), "password", "at least 8 characters"},
		{"common password (P3)", registerForm("Bo", "bo@example.com", "password"), "password", "too common"},
		{"password is the email local part (P3)", registerForm("Bo", "bobby.tables@example.com", "bobby.tables"), "password", "email address or username"},
		{"product name (P3)", registerForm("Bo", "bo@example.com", "Gatehouse"), "password", "name of this service"},
		{"too long (P2)", registerForm("Bo", "bo@example.com", strings.Repeat("a", 1025)), "password", "at most 1024 bytes"},
		{"mismatch", url.Values{"name": {"Bo"}, "email": {"bo@example.com"}, "password": {goodPassword}, "confirm": {goodPassword + "x"}}, "confirm", "do not match"},
		{"bad email", registerForm("Bo", "not-an-email", goodPassword), "email", "valid email"},
		{"header injection in email (R6)", registerForm("Bo", "bo@example.com\r\nBcc: evil@example.com", goodPassword), "email", "valid email"},
		{"line break in name (R6)", registerForm("Bo\r\nBcc: evil@example.com", "bo@example.com", goodPassword), "name", "line breaks"},
		{"bad username", url.Values{"name": {"Bo"}, "email": {"bo@example.com"}, "username": {"a@b"}, "password": {goodPassword}, "confirm": {goodPassword}}, "username", "letters, digits"},
	}
	for _, tc := range cases {
		b := e.browser()
		s := b.formScenario(tc.name, "/register", "/register", tc.form)
		s.ExpectedStatus = http.StatusUnprocessableEntity
		s.ExpectedContent = []string{`data-testid="error-` + tc.field + `"`, tc.msg,
			`aria-invalid="true"`} // the field error is marked aria-invalid
		s.Check = func(t testing.TB, r *apitest.Result) {
			// Input is kept, passwords never are.
			if email := tc.form.Get("email"); !strings.ContainsAny(email, "\r\n") && !strings.Contains(string(r.Body), `value="`+email+`"`) {
				t.Errorf("email %q not kept in the form", email)
			}
			if pw := tc.form.Get("password"); strings.Contains(string(r.Body), `value="`+pw+`"`) {
				t.Error("password echoed back into the page")
			}
			if b.signedIn() {
				t.Error("signed in after a refused registration")
			}
		}
		s.Run(t, e.app)
	}
	// A refused registration wrote nothing.
	ms, err := e.svc.ListMembers(context.Background(), 0, 100)
	if err != nil || len(ms) != 1 {
		t.Fatalf("members after refused registrations: %d, %v", len(ms), err)
	}
	// 8 characters are enough (P1); a long emoji passphrase round-trips (P2).
	for i, pw := range []string{"wxyz2468", "Grüße 🦊 aus Köln, très naïve — " + strings.Repeat("ß", 33)} {
		b := e.browser()
		email := []string{"eight@example.com", "emoji@example.com"}[i]
		expectStatus(t, b.submit("/register", "/register", registerForm("Bo", email, pw)), http.StatusOK)
		c := e.browser()
		c.mustLogin(email, pw)
		runes := []rune(pw)
		runes[len(runes)-1] = 'x'
		if r := e.browser().login(email, string(runes)); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("changed last character still logs in: %d", r.StatusCode)
		}
	}
}

// TestRegisterIgnoresExtraFields covers mass assignment (A3): extra fields
// in the form never reach the member row.
func TestRegisterIgnoresExtraFields(t *testing.T) {
	e := newEnv(t, envOptions{})
	f := registerForm("Mallory", "mallory@example.com", goodPassword)
	for k, v := range map[string]string{"role": "1", "is_admin": "true", "email_verified": "true", "status": "suspended", "id": "1", "roles": "owner"} {
		f.Set(k, v)
	}
	expectStatus(t, e.browser().submit("/register", "/register?role=1&is_admin=true", f), http.StatusOK)
	m, err := e.store.MemberByLogin(context.Background(), "mallory@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if m.EmailVerified || m.Status != auth.StatusActive || m.HasRole(auth.RoleOwner) || m.HasRole(auth.RoleAdmin) || !m.HasRole(auth.RoleMaker) {
		t.Fatalf("extra fields reached the member: %+v", m)
	}
}

// TestRegisterStoresArgon2idHash inspects the stored hash with the production
// parameters (P4).
func TestRegisterStoresArgon2idHash(t *testing.T) {
	p := auth.DefaultArgon2Params
	e := newEnv(t, envOptions{params: &p})
	expectStatus(t, e.browser().submit("/register", "/register", registerForm("A", "a@example.com", goodPassword)), http.StatusOK)
	expectStatus(t, e.browser().submit("/register", "/register", registerForm("B", "b@example.com", goodPassword)), http.StatusOK)
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$`)
	var hashes []string
	for _, who := range []string{"a@example.com", "b@example.com"} {
		m, err := e.store.MemberByLogin(context.Background(), who)
		if err != nil {
			t.Fatal(err)
		}
		g := re.FindStringSubmatch(m.PasswordHash)
		if g == nil || atoi(g[1]) < 19456 || atoi(g[2]) < 2 || atoi(g[3]) < 1 {
			t.Fatalf("stored hash %q is not argon2id with m>=19456,t>=2,p>=1", m.PasswordHash)
		}
		hashes = append(hashes, m.PasswordHash)
	}
	if hashes[0] == hashes[1] {
		t.Fatal("same password, same hash: salts are not random")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestLoginFailureIsIdentical(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("known@example.com", goodPassword)
	suspended := e.createMember("suspended@example.com", goodPassword)
	if err := e.store.Update(context.Background(), func(tx auth.Tx) error {
		suspended.Status = auth.StatusSuspended
		return tx.UpdateMember(context.Background(), suspended)
	}); err != nil {
		t.Fatal(err)
	}
	normalize := func(s string) string {
		s = csrfRE.ReplaceAllString(s, `name="_csrf" value=""`)
		return regexp.MustCompile(`value="[^"]*@example.com"`).ReplaceAllString(s, `value=""`)
	}
	var bodies []string
	for _, id := range []string{"nobody@example.com", "known@example.com", "suspended@example.com"} {
		r := e.browser().login(id, "wrong password here")
		expectStatus(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.body, "Incorrect email or password.") {
			t.Fatalf("failed login for %s lacks the generic message", id)
		}
		bodies = append(bodies, normalize(r.body))
	}
	// The suspended member with the right password gets the same answer.
	r := e.browser().login("suspended@example.com", goodPassword)
	expectStatus(t, r, http.StatusUnauthorized)
	bodies = append(bodies, normalize(r.body))
	for i := 1; i < len(bodies); i++ {
		if bodies[i] != bodies[0] {
			t.Fatalf("failed-login page %d differs from the unknown-account page", i)
		}
	}
}

// TestForgotResetFlow follows a reset mail delivered over SMTP, with spoofed
// host headers on the request (R1), through the reset (R3, R5).
func TestForgotResetFlow(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "https://auth.example.test"})
	e.createMember("rita@example.com", goodPassword)
	other := e.browser()
	other.mustLogin("rita@example.com", goodPassword)

	b := e.browser()
	r := b.submit("/forgot-password", "/forgot-password", url.Values{"email": {"RITA@example.com"}},
		"Host", "evil.example", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "http", "Forwarded", "host=evil.example;proto=http")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="forgot-sent"`) {
		t.Fatal("no neutral confirmation")
	}
	// An unknown address gets the very same page.
	r2 := e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"nobody@example.com"}})
	if csrfRE.ReplaceAllString(r2.body, "") != csrfRE.ReplaceAllString(r.body, "") {
		t.Fatal("forgot-password answers differ for known and unknown addresses")
	}

	msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
	link := smtptest.LinkIn(msg, "https://")
	if !strings.HasPrefix(link, "https://auth.example.test/reset-password?token=") {
		t.Fatalf("reset link %q does not start with the configured base URL", link)
	}
	if len(e.smtp.Rcpts()) != 1 {
		t.Fatalf("RCPT TO count %d", len(e.smtp.Rcpts()))
	}
	u, _ := url.Parse(link)
	token := u.Query().Get("token")
	if raw, err := base64URLDecode(token); err != nil || len(raw) < 16 {
		t.Fatalf("token %q carries fewer than 128 bits", token)
	}

	page := b.get(u.RequestURI())
	expectStatus(t, page, http.StatusOK)
	if page.Header.Get("Referrer-Policy") != "no-referrer" || page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("reset page headers: Referrer-Policy %q, Cache-Control %q", page.Header.Get("Referrer-Policy"), page.Header.Get("Cache-Control"))
	}
	// P1 on reset: a 7-character password names the rule.
	r = b.submit(u.RequestURI(), "/reset-password", url.Values{"token": {token}, "password": {"short12"}, "confirm": {"short12"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "at least 8 characters") {
		t.Fatal("short reset password: rule not named")
	}
	newPassword := "a brand new passphrase"
	r = b.submit(u.RequestURI(), "/reset-password", url.Values{"token": {token}, "password": {newPassword}, "confirm": {newPassword}})
	expectStatus(t, r, http.StatusSeeOther)
	if r.location() != "/login" {
		t.Fatalf("after reset went to %q", r.location())
	}
	// No automatic login; every session of the member ended (R5).
	if b.signedIn() {
		t.Fatal("reset signed the member in")
	}
	if other.signedIn() {
		t.Fatal("another session survived the reset")
	}
	// The link is single use (R3).
	if r := b.get(u.RequestURI()); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, `data-testid="reset-invalid"`) {
		t.Fatalf("second use of the link: %d", r.StatusCode)
	}
	// "Your password was changed" notice (R5).
	msgs := e.smtp.WaitFor(t, 2, 10*time.Second)
	text, _ := smtptest.Bodies(msgs[1])
	if !strings.Contains(strings.ToLower(text), "changed") {
		t.Fatalf("second mail is not the change notice:\n%s", text)
	}
	if r := e.browser().login("rita@example.com", goodPassword); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password still works: %d", r.StatusCode)
	}
	e.browser().mustLogin("rita@example.com", newPassword)

	// No secret reached the log (I4, R3: the access log shows no token).
	logs := e.logs.String()
	for _, secret := range []string{token, newPassword, goodPassword} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains a secret %q", secret)
		}
	}
	if !strings.Contains(logs, "path=/reset-password") {
		t.Fatal("access log has no line for the reset page")
	}
}

// TestResetLinkLifecycle: a newer link kills older ones, links expire after
// 60 minutes, and a password change kills outstanding links (R3).
func TestResetLinkLifecycle(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("lee@example.com", goodPassword)
	request := func() string {
		t.Helper()
		n := len(e.smtp.Messages())
		expectStatus(t, e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"lee@example.com"}}), http.StatusOK)
		u, _ := url.Parse(smtptest.LinkIn(e.smtp.WaitFor(t, n+1, 10*time.Second)[n], "https://"))
		return u.RequestURI()
	}
	valid := func(path string) bool { return e.browser().get(path).StatusCode == http.StatusOK }

	first := request()
	second := request()
	if valid(first) || !valid(second) {
		t.Fatal("a newer link must invalidate the older one")
	}
	e.clock.Advance(59 * time.Minute)
	if !valid(second) {
		t.Fatal("link dead before 60 minutes")
	}
	e.clock.Advance(2 * time.Minute)
	if valid(second) {
		t.Fatal("link alive after 60 minutes")
	}
	third := request()
	b := e.browser()
	b.mustLogin("lee@example.com", goodPassword)
	expectStatus(t, b.submit("/account", "/account/password", url.Values{
		"current_password": {goodPassword}, "new_password": {"another fine passphrase"}, "confirm_password": {"another fine passphrase"},
	}), http.StatusSeeOther)
	if valid(third) {
		t.Fatal("a password change must invalidate outstanding reset links")
	}
}

// TestMailSurvivesSMTPOutage: the SMTP server is down when the reset is
// requested; the request still answers at once, and the mail arrives once
// the server comes up.
func TestMailSurvivesSMTPOutage(t *testing.T) {
	addr := freeAddr(t)
	e := newEnv(t, envOptions{smtpAddr: addr})
	e.createMember("olga@example.com", goodPassword)
	r := e.browser().submit("/forgot-password", "/forgot-password", url.Values{"email": {"olga@example.com"}})
	expectStatus(t, r, http.StatusOK)
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	srv := smtptest.StartAt(t, addr)
	msg := srv.WaitFor(t, 1, 15*time.Second)[0]
	if link := smtptest.LinkIn(msg, "https://auth.example.test/reset-password?token="); link == "" {
		t.Fatal("delayed mail has no reset link")
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("mail delivered %d times", n)
	}
}
