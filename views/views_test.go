package views

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"gatehouse/internal/auth"
	"gatehouse/static"
)

const (
	csrfToken    = "tok-123"
	evilName     = `<script>alert(1)</script>`
	evilUsername = `"><img src=x onerror=alert(1)>`
)

func render(t *testing.T, pc PageContext, c templ.Component) string {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(WithPage(context.Background(), pc), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.String()
}

func sampleSessions() []SessionRow {
	at := time.Date(2026, 3, 14, 9, 26, 0, 0, time.FixedZone("CET", 3600))
	return []SessionRow{
		{ID: 7, Current: true, Via: auth.ViaPage, IP: "203.0.113.9",
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
			CreatedAt: at, LastUsedAt: at.Add(time.Hour)},
		{ID: 8, Via: "kuroco", IP: "198.51.100.4", UserAgent: evilUsername,
			CreatedAt: at.Add(-48 * time.Hour), LastUsedAt: at},
	}
}

// pages renders every page, with field errors wherever a form has them.
func pages() map[string]templ.Component {
	errs := func(keys ...string) map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			m[k] = "Bad " + k + "."
		}
		return m
	}
	return map[string]templ.Component{
		"login":        LoginPage(LoginProps{Identifier: "ada", Error: "Email, username or password is incorrect."}),
		"register":     RegisterPage(RegisterProps{Name: "Ada", Email: "ada@example.com", Errors: errs("email", "password"), Invite: "inv-1", EmailLocked: true}),
		"forgot":       ForgotPasswordPage(ForgotProps{Email: "x", Errors: errs("email")}),
		"forgot-sent":  ForgotPasswordPage(ForgotProps{Sent: true}),
		"reset":        ResetPasswordPage(ResetProps{Token: "t0k", Errors: errs("confirm")}),
		"reset-bad":    ResetPasswordPage(ResetProps{Invalid: true}),
		"new-password": NewPasswordPage(NewPasswordProps{Errors: errs("password")}),
		"account": AccountPage(AccountProps{
			Member:   auth.Member{Name: "Ada", Email: "ada@example.com", Username: "ada"},
			Profile:  ProfileForm{Name: "Ada", Username: "ada", Errors: errs("username")},
			Password: PasswordForm{Errors: errs("current_password")},
			Sessions: sampleSessions(),
		}),
		"error":   ErrorPage(ErrorProps{Status: 404, Message: "No such page."}),
		"devmail": DevMailPage(DevMailProps{Mails: []DevMail{{ID: 1, To: "a@example.com", Subject: "Hi", Text: "body", Links: []string{"https://x.test/r?t=1"}}}}),
	}
}

var formRE = regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`)

func TestEveryFormPostsCSRF(t *testing.T) {
	for _, member := range []*auth.Member{nil, {Name: "Ada"}} {
		for name, c := range pages() {
			html := render(t, PageContext{CSRF: csrfToken, Member: member}, c)
			forms := formRE.FindAllString(html, -1)
			if member != nil && len(forms) == 0 {
				t.Errorf("%s: no forms (the sign-out form is missing)", name)
			}
			for _, f := range forms {
				if !strings.Contains(f, `<input type="hidden" name="_csrf" value="`+csrfToken+`">`) {
					t.Errorf("%s: form without _csrf: %.120s", name, f)
				}
				if !strings.Contains(f, `method="post"`) {
					t.Errorf("%s: form not POST: %.120s", name, f)
				}
				if strings.Contains(f, "novalidate") {
					t.Errorf("%s: form has novalidate", name)
				}
			}
		}
	}
}

func TestLayout(t *testing.T) {
	html := render(t, PageContext{}, LoginPage(LoginProps{}))
	for _, want := range []string{
		`<html lang="en">`,
		`<title>Sign in · Gatehouse</title>`,
		`href="` + static.URL("css/app.css") + `"`,
		`href="` + static.URL("img/favicon.svg") + `"`,
		`<main id="main"`,
		`href="/login"`, `href="/register"`,
		`href="/forgot-password"`,
		`data-testid="login-submit"`,
		`autocomplete="current-password"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	// The only script is the passkey ceremony file, loaded by src (the CSP
	// forbids inline script).
	passkeyScript := `<script src="` + static.URL("passkey.js") + `" defer></script>`
	if n := strings.Count(html, "<script"); n != 1 || !strings.Contains(html, passkeyScript) || !strings.Contains(html, `autocomplete="username webauthn"`) {
		t.Errorf("login page: %d scripts, want only %s, and the username field offering passkeys", n, passkeyScript)
	}
	for _, absent := range []string{`data-testid="flash"`, `/_dev/mail`, `action="/logout"`, `style=`} {
		if strings.Contains(html, absent) {
			t.Errorf("anonymous login page contains %s", absent)
		}
	}

	html = render(t, PageContext{Flash: "Saved.", DevMail: true, ProductName: "Acme ID", Member: &auth.Member{Name: "Ada"}}, LoginPage(LoginProps{}))
	for _, want := range []string{
		`<title>Sign in · Acme ID</title>`,
		`role="status" data-testid="flash">Saved.</p>`,
		`href="/_dev/mail"`,
		`action="/logout"`,
		`href="/account"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("signed-in page lacks %s", want)
		}
	}
}

func TestPageDefaults(t *testing.T) {
	if got := Page(context.Background()).ProductName; got != "Gatehouse" {
		t.Errorf("ProductName = %q", got)
	}
}

func TestFieldErrors(t *testing.T) {
	html := render(t, PageContext{}, RegisterPage(RegisterProps{Errors: map[string]string{"email": "Already registered."}}))
	for _, want := range []string{
		`aria-invalid="true" aria-describedby="email-error"`,
		`<p class="field__error" id="email-error" data-testid="error-email">Already registered.</p>`,
		`role="alert" data-testid="form-error"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("register page lacks %s", want)
		}
	}
	if n := strings.Count(html, `aria-invalid="true"`); n != 1 {
		t.Errorf("aria-invalid count = %d, want 1", n)
	}

	html = render(t, PageContext{}, AccountPage(AccountProps{Password: PasswordForm{Errors: map[string]string{"new_password": "Too short."}}}))
	if !strings.Contains(html, `data-testid="error-new_password"`) || !strings.Contains(html, `aria-describedby="new_password-error new_password-hint"`) {
		t.Error("account page: new_password error not rendered")
	}
}

func TestPasswordsNeverPrefilled(t *testing.T) {
	for name, c := range pages() {
		html := render(t, PageContext{}, c)
		for _, in := range regexp.MustCompile(`<input[^>]*type="password"[^>]*>`).FindAllString(html, -1) {
			if strings.Contains(in, "value=") {
				t.Errorf("%s: password input has a value: %s", name, in)
			}
		}
	}
}

func TestUserDataEscaped(t *testing.T) {
	m := auth.Member{Name: evilName, Username: evilUsername, Email: evilUsername + "@example.com"}
	pc := PageContext{CSRF: csrfToken, Member: &m}
	html := render(t, pc, AccountPage(AccountProps{
		Member:   m,
		Profile:  ProfileForm{Name: evilName, Username: evilUsername, Bio: "</textarea>" + evilName},
		Sessions: sampleSessions(),
	}))
	assertEscaped(t, "account", html)
	if !strings.Contains(html, `Hello, &lt;script&gt;alert(1)&lt;/script&gt;</h1>`) {
		t.Error("account heading does not show the escaped name")
	}

	// Without a name the nav falls back to the username.
	nameless := auth.Member{Username: evilUsername}
	html = render(t, PageContext{Member: &nameless}, LoginPage(LoginProps{Identifier: evilUsername}))
	assertEscaped(t, "nav", html)
	if !strings.Contains(html, `data-testid="nav-member">&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</span>`) {
		t.Error("nav does not show the escaped username")
	}
}

func assertEscaped(t *testing.T, where, html string) {
	t.Helper()
	for _, raw := range []string{evilName, `<img src=x`, `"><img src=x`, `</textarea><script`} {
		if strings.Contains(html, raw) {
			t.Errorf("%s: raw markup %q present", where, raw)
		}
	}
	if !strings.Contains(html, "&lt;") {
		t.Errorf("%s: escaped user data absent", where)
	}
}

func TestAccountSessions(t *testing.T) {
	html := render(t, PageContext{CSRF: csrfToken}, AccountPage(AccountProps{Sessions: sampleSessions()}))
	for _, want := range []string{
		`data-testid="current-session">This session`,
		`action="/account/sessions/8/revoke"`,
		`14 Mar 2026 08:26 UTC`, // converted from CET
		`Firefox on Linux`,
		`API (kuroco)`,
		`name="sign_out_others" value="1" checked`,
		`action="/account/profile"`, `action="/account/password"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	if strings.Contains(html, "/account/sessions/7/revoke") {
		t.Error("current session offers a revoke form")
	}
	if n := strings.Count(html, `data-testid="revoke-session"`); n != 1 {
		t.Errorf("revoke buttons = %d, want 1", n)
	}
}

func TestForgotAndReset(t *testing.T) {
	if html := render(t, PageContext{}, ForgotPasswordPage(ForgotProps{Sent: true})); !strings.Contains(html, `data-testid="forgot-sent"`) || strings.Contains(html, "<form class=\"form\"") {
		t.Error("forgot page: sent state wrong")
	}
	html := render(t, PageContext{}, ResetPasswordPage(ResetProps{Invalid: true}))
	if !strings.Contains(html, `data-testid="reset-invalid"`) || !strings.Contains(html, "This reset link is invalid or has expired.") {
		t.Error("reset page: invalid state wrong")
	}
	html = render(t, PageContext{}, ResetPasswordPage(ResetProps{Token: `a"b`}))
	if !strings.Contains(html, `name="token" value="a&#34;b"`) {
		t.Error("reset page: token not carried")
	}
	html = render(t, PageContext{}, RegisterPage(RegisterProps{Invite: "inv", Email: "a@b.c", EmailLocked: true}))
	if !strings.Contains(html, `name="invite" value="inv"`) || !strings.Contains(html, "readonly") {
		t.Error("register page: invite or locked email missing")
	}
	if html := render(t, PageContext{}, RegisterPage(RegisterProps{})); strings.Contains(html, `name="invite"`) || strings.Contains(html, "readonly") {
		t.Error("register page: invite or readonly without invitation")
	}
}

func TestDevMailLinks(t *testing.T) {
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	html := render(t, PageContext{}, DevMailPage(DevMailProps{Mails: []DevMail{
		{ID: 1, Subject: "Older", CreatedAt: old, Links: []string{"javascript:alert(1)"}},
		{ID: 2, Subject: "Newer", CreatedAt: old.Add(time.Minute), Text: "<b>hi</b>", Links: []string{"https://example.test/reset?token=a&b=c"}},
	}}))
	if strings.Index(html, "Newer") > strings.Index(html, "Older") {
		t.Error("mails not newest first")
	}
	if strings.Count(html, `data-testid="dev-mail"`) != 2 {
		t.Error("dev-mail testid count")
	}
	if !strings.Contains(html, `<a href="https://example.test/reset?token=a&amp;b=c"`) {
		t.Error("https link not clickable")
	}
	if strings.Contains(html, `href="javascript:`) || !strings.Contains(html, `<code>javascript:alert(1)</code>`) {
		t.Error("javascript: link rendered as anchor")
	}
	if strings.Contains(html, "<b>hi</b>") {
		t.Error("mail text not escaped")
	}
}

func TestErrorPage(t *testing.T) {
	html := render(t, PageContext{}, ErrorPage(ErrorProps{Status: 403}))
	if !strings.Contains(html, "Forbidden") || !strings.Contains(html, ">403<") {
		t.Error("error page lacks status or default title")
	}
}

func TestDeviceName(t *testing.T) {
	for ua, want := range map[string]string{
		"": "Unknown device",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1": "Safari on iOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0":                   "Edge on Windows",
		"curl/8.5.0":    "curl",
		"gatehouse-cli": "gatehouse-cli",
	} {
		if got := deviceName(context.Background(), ua); got != want {
			t.Errorf("deviceName(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestFormLevelErrorKey(t *testing.T) {
	// Handlers put a form-level message under the empty key.
	errs := map[string]string{"": "Wrong current password."}
	html := render(t, PageContext{}, AccountPage(AccountProps{Password: PasswordForm{Errors: errs}}))
	if n := strings.Count(html, "Wrong current password."); n != 1 {
		t.Errorf("form-level message shown %d times, want 1", n)
	}
	if !strings.Contains(html, `<p class="alert__title">Wrong current password.</p>`) {
		t.Error("form-level message is not the summary title")
	}
	// Register copies it into Error as well; it must still show once.
	html = render(t, PageContext{}, RegisterPage(RegisterProps{Error: "Nope.", Errors: map[string]string{"": "Nope."}}))
	if n := strings.Count(html, "Nope."); n != 1 {
		t.Errorf("register: form-level message shown %d times, want 1", n)
	}
	// Errors for keys the form has no input for are still listed.
	html = render(t, PageContext{}, ResetPasswordPage(ResetProps{Errors: map[string]string{"token": "Link expired."}}))
	if !strings.Contains(html, "<li>Link expired.</li>") {
		t.Error("unattached error dropped")
	}
}
