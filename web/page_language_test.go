package web_test

import (
	"bytes"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

// A Japanese browser gets Japanese pages: the html lang, the
// Content-Language header and the text all say so.
func TestLanguageFromAcceptLanguage(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	b.headers["Accept-Language"] = "ja-JP,ja;q=0.9,en;q=0.5"
	for _, path := range []string{"/login", "/register", "/forgot-password"} {
		r := b.get(path)
		expectStatus(t, r, http.StatusOK)
		if !strings.Contains(r.body, `<html lang="ja">`) || r.Header.Get("Content-Language") != "ja" ||
			!strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
			t.Fatalf("%s: not Japanese (Content-Language %q)", path, r.Header.Get("Content-Language"))
		}
		if strings.Contains(r.body, "Skip to main content") {
			t.Fatalf("%s: English layout text on a Japanese page", path)
		}
	}
	r := b.get("/login")
	for _, want := range []string{"<title>ログイン · Gatehouse</title>", "パスワードをお忘れですか？", "メールアドレスまたはユーザー名"} {
		if !strings.Contains(r.body, want) {
			t.Fatalf("Japanese /login lacks %q", want)
		}
	}
	// A form error from the domain is shown in Japanese too.
	r = b.submit("/register", "/register", url.Values{"name": {"Ann"}, "email": {"ann@example.com"},
		"password": {"correct horse battery"}, "confirm": {"something else entirely"}})
	if !strings.Contains(r.body, "パスワードが一致しません。") || !strings.HasPrefix(r.Header.Get("Content-Language"), "ja") {
		t.Fatalf("register error not in Japanese (status %d)", r.StatusCode)
	}
	// An error page too.
	r = b.get("/no-such-page")
	expectStatus(t, r, http.StatusNotFound)
	if !strings.Contains(r.body, "ページが見つかりません") {
		t.Fatal("404 page not in Japanese")
	}
}

// Languages Gatehouse does not speak, and no header at all, give English.
func TestLanguageFallsBackToEnglish(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, header := range []string{"", "fr-FR,de;q=0.8", "zz", "*"} {
		b := e.browser()
		if header != "" {
			b.headers["Accept-Language"] = header
		}
		r := b.get("/login")
		if !strings.Contains(r.body, `<html lang="en">`) || r.Header.Get("Content-Language") != "en" ||
			!strings.Contains(r.body, "Forgot password?") {
			t.Fatalf("Accept-Language %q: not English (Content-Language %q)", header, r.Header.Get("Content-Language"))
		}
	}
	b := e.browser()
	b.cookies["lang"] = "klingon"
	if r := b.get("/login"); r.Header.Get("Content-Language") != "en" {
		t.Fatalf("unknown cookie: Content-Language %q", r.Header.Get("Content-Language"))
	}
}

// The footer switch (no script: a form) sets the lang cookie, which then
// wins over Accept-Language, and returns to the page it was used on.
func TestFooterLanguageSwitch(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	b.headers["Accept-Language"] = "en-US"
	r := b.get("/forgot-password")
	for _, want := range []string{`action="/language"`, `name="back" value="/forgot-password"`, `name="lang" value="ja"`, `lang="ja"`, "日本語"} {
		if !strings.Contains(r.body, want) {
			t.Fatalf("footer switch lacks %q", want)
		}
	}
	r = b.submit("/forgot-password", "/language", url.Values{"lang": {"ja"}, "back": {"/forgot-password"}})
	if r.StatusCode != http.StatusSeeOther || r.location() != "/forgot-password" {
		t.Fatalf("switch: status %d location %q", r.StatusCode, r.location())
	}
	if b.cookies["lang"] != "ja" {
		t.Fatalf("lang cookie = %q", b.cookies["lang"])
	}
	r = b.get("/forgot-password")
	if r.Header.Get("Content-Language") != "ja" || !strings.Contains(r.body, "パスワードの再設定") ||
		!strings.Contains(r.body, `value="ja" lang="ja" aria-pressed="true"`) {
		t.Fatalf("after the switch the page is not Japanese (Content-Language %q)", r.Header.Get("Content-Language"))
	}
	// Back to English.
	b.submit("/login", "/language", url.Values{"lang": {"en"}, "back": {"/login"}})
	if r := b.get("/login"); r.Header.Get("Content-Language") != "en" {
		t.Fatalf("switch back: Content-Language %q", r.Header.Get("Content-Language"))
	}
	// Off-site return paths go to the start page; an unknown language is refused.
	for _, back := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""} {
		r := b.submit("/login", "/language", url.Values{"lang": {"ja"}, "back": {back}})
		if r.StatusCode != http.StatusSeeOther || r.location() != "/" {
			t.Fatalf("back %q: status %d location %q", back, r.StatusCode, r.location())
		}
	}
	r = b.submit("/login", "/language", url.Values{"lang": {"fr"}, "back": {"/login"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	// Without the CSRF token the switch is refused like every form.
	expectStatus(t, b.postRaw("/language", url.Values{"lang": {"en"}}), http.StatusForbidden)
}

// A member's own language wins over the browser's header and cookie; the
// footer switch, used while signed in, changes that setting.
func TestMemberLanguageWins(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", "correct horse battery")
	b := e.browser()
	b.headers["Accept-Language"] = "en-US,en;q=0.9"
	b.mustLogin("ann@example.com", "correct horse battery")
	r := b.get("/account")
	if r.Header.Get("Content-Language") != "en" || !strings.Contains(r.body, `data-testid="preferences"`) {
		t.Fatalf("account page: Content-Language %q", r.Header.Get("Content-Language"))
	}
	r = b.submit("/account", "/account/preferences", url.Values{"language": {"ja"}, "time_zone": {""}})
	if r.StatusCode != http.StatusSeeOther || r.location() != "/account#preferences" {
		t.Fatalf("save: status %d location %q", r.StatusCode, r.location())
	}
	b.cookies["lang"] = "en"
	r = b.get("/account")
	if r.Header.Get("Content-Language") != "ja" || !strings.Contains(r.body, `<html lang="ja">`) ||
		!strings.Contains(r.body, "言語とタイムゾーンを保存しました。") {
		t.Fatalf("the member's Japanese did not win over header and cookie (Content-Language %q)", r.Header.Get("Content-Language"))
	}
	// The footer switch while signed in changes the member's own setting.
	r = b.submit("/account", "/language", url.Values{"lang": {"en"}, "back": {"/account"}})
	expectStatus(t, r, http.StatusSeeOther)
	if m, _ := e.store.MemberByLogin(t.Context(), "ann@example.com"); m.Language != "en" {
		t.Fatalf("footer switch left the member's language %q", m.Language)
	}
	delete(b.cookies, "lang")
	b.headers["Accept-Language"] = "ja"
	if r := b.get("/account"); r.Header.Get("Content-Language") != "en" {
		t.Fatalf("after the switch: Content-Language %q", r.Header.Get("Content-Language"))
	}
}

// The member's time zone changes how their session's sign-in time is shown;
// a bad zone is a field error on the account page, not a 500.
func TestTimeZoneChangesSessionTimes(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", "correct horse battery")
	b := e.browser()
	b.mustLogin("ann@example.com", "correct horse battery")
	r := b.get("/account")
	utc := regexp.MustCompile(`<time datetime="([^"]+)">([^<]+ UTC)</time>`).FindStringSubmatch(r.body)
	if utc == nil {
		t.Fatal("no session time in UTC on the account page")
	}
	at, err := time.Parse(time.RFC3339, utc[1])
	if err != nil {
		t.Fatal(err)
	}
	r = b.submit("/account", "/account/preferences", url.Values{"language": {""}, "time_zone": {"Mars/Olympus"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-time_zone"`) || !strings.Contains(r.body, `value="Mars/Olympus"`) {
		t.Fatal("a bad zone is not shown as a field error with the value kept")
	}
	r = b.submit("/account", "/account/preferences", url.Values{"language": {""}, "time_zone": {"Asia/Tokyo"}})
	expectStatus(t, r, http.StatusSeeOther)
	r = b.get("/account")
	tokyo := at.In(time.FixedZone("JST", 9*3600)).Format("2 Jan 2006 15:04") + " JST"
	if !strings.Contains(r.body, `<time datetime="`+utc[1]+`">`+tokyo+`</time>`) {
		t.Fatalf("session time not shown in Tokyo time %q (was %q)", tokyo, utc[2])
	}
	// Japanese pages write the date the Japanese way.
	b.cookies["lang"] = "ja"
	r = b.get("/account")
	jp := at.In(time.FixedZone("JST", 9*3600)).Format("2006年1月2日 15:04") + " JST"
	if !strings.Contains(r.body, jp) {
		t.Fatalf("Japanese date %q not on the page", jp)
	}
}

// Mail is written in the recipient's own language, whatever the language of
// the browser that caused it: a Japanese member's reset mail is Japanese,
// an English member's stays English.
func TestResetMailInMemberLanguage(t *testing.T) {
	e := newEnv(t, envOptions{})
	hanako := e.createMember("hanako@example.com", "correct horse battery")
	if _, err := e.svc.SetPreferences(t.Context(), hanako.ID, "ja", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	e.createMember("ann@example.com", "correct horse battery")
	b := e.browser()
	b.headers["Accept-Language"] = "en-US"
	b.submit("/forgot-password", "/forgot-password", url.Values{"email": {"hanako@example.com"}})
	msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
	subject, text, html := mailParts(t, msg)
	if subject != "Gatehouse のパスワード再設定" {
		t.Fatalf("subject %q", subject)
	}
	for _, part := range []string{text, html} {
		for _, want := range []string{"様", "パスワード再設定が依頼されました", "60分で期限が切れます", "https://auth.example.test/reset-password?token="} {
			if !strings.Contains(part, want) {
				t.Fatalf("Japanese reset mail lacks %q:\n%s", want, part)
			}
		}
	}
	if !strings.Contains(html, `<html lang="ja"`) {
		t.Fatal("HTML part not marked Japanese")
	}
	// A Japanese browser does not make an English member's mail Japanese.
	jb := e.browser()
	jb.headers["Accept-Language"] = "ja"
	jb.submit("/forgot-password", "/forgot-password", url.Values{"email": {"ann@example.com"}})
	msg = e.smtp.WaitFor(t, 2, 10*time.Second)[1]
	if subject, text, _ := mailParts(t, msg); subject != "Reset your Gatehouse password" || !strings.Contains(text, "expires in 60 minutes") {
		t.Fatalf("English member's mail: %q\n%s", subject, text)
	}
}

func mailParts(t *testing.T, msg smtptest.Message) (subject, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	text, html = smtptest.Bodies(msg)
	return subject, text, html
}

// A confirmation (flash) set in English by a handler is shown in the
// page's language.
func TestFlashInJapanese(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", "correct horse battery")
	b := e.browser()
	b.headers["Accept-Language"] = "ja"
	b.mustLogin("ann@example.com", "correct horse battery")
	r := b.submit("/account", "/account/profile", url.Values{"name": {"Ann"}, "username": {"ann"}, "bio": {""}})
	expectStatus(t, r, http.StatusSeeOther)
	r = b.get("/account")
	if !strings.Contains(r.body, "プロフィールを保存しました。") || !strings.Contains(r.body, "ログアウト") {
		t.Fatal("the profile confirmation or the account page is not Japanese")
	}
}

// The switch never echoes a secret of the URL (a reset token) into the page,
// nor the path of an error page.
func TestSwitchBackKeepsSecretsOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	r := b.get("/register?invite=s3cr3t-invite-token")
	if strings.Contains(r.body, "s3cr3t-invite-token\"") && strings.Contains(r.body, `name="back" value="/register?invite`) {
		t.Fatal("the invitation token is the switch's return path")
	}
	if !strings.Contains(r.body, `name="back" value="/register"`) {
		t.Fatal("the switch does not return to /register")
	}
	r = b.get("/no-such-page")
	if strings.Contains(r.body, `value="/no-such-page"`) {
		t.Fatal("an error page's path is the switch's return path")
	}
	r = b.get("/login?next=%2Faccount")
	if !strings.Contains(r.body, `name="back" value="/login?next=%2Faccount"`) {
		t.Fatal("an ordinary query is not kept")
	}
}
