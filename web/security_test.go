package web_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/web"
)

// TestSessionCookieAttributes covers S1 for an https deployment.
func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "https://auth.example.test"})
	e.createMember("sam@example.com", goodPassword)
	b := e.browser()
	r := b.login("sam@example.com", goodPassword)
	expectStatus(t, r, http.StatusSeeOther)
	var raw string
	for _, line := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "__Host-gatehouse_sid=") && !strings.Contains(strings.ToLower(line), "max-age=0") && !strings.Contains(line, "expires=Tue, 10 Nov 2009") {
			raw = line
		}
	}
	if raw == "" {
		t.Fatalf("no __Host- session cookie in %q", r.Header.Values("Set-Cookie"))
	}
	low := strings.ToLower(raw)
	for _, want := range []string{"secure", "httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(low, want) {
			t.Errorf("session cookie %q lacks %s", raw, want)
		}
	}
	if strings.Contains(low, "domain=") {
		t.Errorf("session cookie %q has a Domain", raw)
	}
	value := b.cookies["__Host-gatehouse_sid"]
	assertStrongID(t, value)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		k := web.RandomKey()
		if seen[k] {
			t.Fatal("duplicate session id in 10,000")
		}
		seen[k] = true
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func assertStrongID(t *testing.T, v string) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < 16 || uuidRE.MatchString(v) {
		t.Fatalf("session id %q is not >=16 random bytes", v)
	}
}

// TestSessionFixation covers S2: neither an attacker-chosen id nor the
// anonymous pre-session id survives login.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "http://localhost:8080"})
	e.createMember("fay@example.com", goodPassword)
	b := e.browser()
	b.cookies["gatehouse_sid"] = "attacker-chosen-session-id-value"
	token := b.csrf("/login")
	pre := b.cookies["gatehouse_sid"]
	if pre == "attacker-chosen-session-id-value" {
		t.Fatal("server adopted an attacker-chosen session id")
	}
	r := b.postRaw("/login", url.Values{"_csrf": {token}, "identifier": {"fay@example.com"}, "password": {goodPassword}})
	expectStatus(t, r, http.StatusSeeOther)
	post := b.cookies["gatehouse_sid"]
	if post == pre || post == "" {
		t.Fatal("login did not regenerate the session id")
	}
	for _, old := range []string{pre, "attacker-chosen-session-id-value"} {
		x := e.browser()
		x.cookies["gatehouse_sid"] = old
		if x.signedIn() {
			t.Fatalf("old id %q is signed in", old)
		}
	}
	if !b.signedIn() {
		t.Fatal("the new session is not signed in")
	}
}

// TestLogoutNeedsPOSTAndCSRF covers S3's negative cases, and that a session
// id in the URL is ignored.
func TestLogoutNeedsPOSTAndCSRF(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "http://localhost:8080"})
	e.createMember("lou@example.com", goodPassword)
	b := e.browser()
	b.mustLogin("lou@example.com", goodPassword)
	if r := b.get("/logout"); r.StatusCode < 400 {
		t.Fatalf("GET /logout answered %d", r.StatusCode)
	}
	expectStatus(t, b.postRaw("/logout", url.Values{}), http.StatusForbidden)
	if !b.signedIn() {
		t.Fatal("logout without CSRF token signed the member out")
	}
	anon := e.browser()
	if r := anon.get("/account?gatehouse_sid=" + url.QueryEscape(b.cookies["gatehouse_sid"])); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("session id in the query was honoured: %d", r.StatusCode)
	}
}

// TestCSRF covers S7 for every state-changing form: no token, a token from
// another session, and a cross-site fetch are all refused with 403.
func TestCSRF(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("cat@example.com", goodPassword)
	victim := e.browser()
	victim.mustLogin("cat@example.com", goodPassword)
	attacker := e.browser()
	attackerToken := attacker.csrf("/login")
	own := victim.csrf("/account")

	forms := map[string]url.Values{
		"/login":                     {"identifier": {"cat@example.com"}, "password": {goodPassword}},
		"/register":                  registerForm("Eve", "eve@example.com", goodPassword),
		"/forgot-password":           {"email": {"cat@example.com"}},
		"/reset-password":            {"token": {"x"}, "password": {goodPassword}, "confirm": {goodPassword}},
		"/login/new-password":        {"password": {goodPassword}, "confirm": {goodPassword}},
		"/logout":                    {},
		"/account/profile":           {"name": {"Pwned"}, "username": {"pwned"}},
		"/account/password":          {"current_password": {goodPassword}, "new_password": {"pwned pwned pwned"}, "confirm_password": {"pwned pwned pwned"}},
		"/account/sessions/1/revoke": {},
	}
	for path, f := range forms {
		t.Run(path, func(t *testing.T) {
			for name, token := range map[string]string{"no token": "", "foreign token": attackerToken} {
				g := url.Values{}
				for k, v := range f {
					g[k] = v
				}
				if token != "" {
					g.Set("_csrf", token)
				}
				if r := victim.postRaw(path, g); r.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", name, r.StatusCode)
				}
			}
			g := url.Values{"_csrf": {own}}
			for k, v := range f {
				g[k] = v
			}
			if r := victim.postRaw(path, g, "Sec-Fetch-Site", "cross-site"); r.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site with a valid token: status %d, want 403", r.StatusCode)
			}
		})
	}
	if !victim.signedIn() {
		t.Fatal("a refused request changed the victim's session")
	}
	r := victim.get("/account")
	if strings.Contains(r.body, "Pwned") {
		t.Fatal("a refused request changed the profile")
	}
	// With the right token the same request works.
	r = victim.submit("/account", "/account/profile", url.Values{"name": {"Cat"}, "username": {"cat"}})
	expectStatus(t, r, http.StatusSeeOther)
}

// TestSecurityHeadersAndEscaping covers I3: headers on every response, and
// hostile names rendered escaped.
func TestSecurityHeadersAndEscaping(t *testing.T) {
	e := newEnv(t, envOptions{baseURL: "https://auth.example.test"})
	for _, path := range []string{"/login", "/healthz", "/static/css/app.css", "/nope"} {
		r := e.browser().get(path)
		h := r.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Strict-Transport-Security"), "max-age=31536000") {
			t.Errorf("%s: missing security headers: %v", path, h)
		}
	}
	if r := e.browser().get("/nope"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, `data-testid="error-page"`) {
		t.Errorf("404 page: %d", r.StatusCode)
	}
	b := e.browser()
	expectStatus(t, b.submit("/register", "/register", registerForm(`<script>alert(1)</script>`, "x@example.com", goodPassword)), http.StatusOK)
	b.mustLogin("x@example.com", goodPassword)
	r := b.get("/account")
	if strings.Contains(r.body, "<script>alert(1)</script>") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("name not escaped on the account page")
	}
	expectStatus(t, b.submit("/account", "/account/profile", url.Values{"name": {`"><img src=x onerror=alert(1)>`}, "username": {"x.example"}, "bio": {"javascript:alert(1)"}}), http.StatusSeeOther)
	r = b.get("/account")
	if strings.Contains(r.body, `<img src=x onerror=alert(1)>`) {
		t.Fatal("name not escaped after a profile update")
	}
}

// TestBodyLimit refuses a 5 MB form with 413 over a real connection (I1).
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, envOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Shutdown() })
	// Announce 5 MB and send the first bytes: the server must answer 413
	// from the headers, without reading (or buffering) the body.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nidentifier=aaaa", 5<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("5 MB POST: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("5 MB POST: %d", res.StatusCode)
	}
}
