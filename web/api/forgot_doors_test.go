package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
)

// forgotDoor is one front door that asks for a password reset.
type forgotDoor struct {
	name string
	send func(e *testenv.Env, who string) *testenv.Response
	// mail is the kind a known member is mailed through this door.
	mail string
}

// unknownEmail has no account; it is as long as email, so that a page
// echoing the address still has the same Content-Length.
const unknownEmail = "bob@example.com"

var (
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)
	requestID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// forgotDoors lists every forgot-password door (pages and five dialects,
// GraphQL included). A door missing here is a door the tests below do not
// hold to the same rules.
var forgotDoors = []forgotDoor{
	{"page", func(e *testenv.Env, who string) *testenv.Response {
		form := e.Do("GET", "/forgot-password", nil)
		var cookies []string
		for _, c := range form.Cookies() {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		m := csrfField.FindStringSubmatch(string(form.Body))
		if m == nil {
			e.T.Fatalf("no CSRF token on the forgot-password page")
		}
		body := url.Values{"_csrf": {m[1]}, "email": {who}}.Encode()
		return e.Do("POST", "/forgot-password", body, "Content-Type", "application/x-www-form-urlencoded",
			"Cookie", strings.Join(cookies, "; "), "Origin", e.BaseURL, "Referer", e.BaseURL+"/forgot-password")
	}, auth.MailReset},
	{"kuroco reminder", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/rcms-api/1/reminder", map[string]string{"email": who})
	}, auth.MailReset},
	{"wme forgot-password", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/v1/forgot-password", map[string]string{"username": who})
	}, auth.MailResetCode},
	{"kotive resetpassword", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/api/user/resetpassword", map[string]string{"email": who})
	}, auth.MailReset},
	{"directus password/request", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/auth/password/request", map[string]string{"email": who})
	}, auth.MailReset},
	{"directus graphql auth_password_request", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/graphql/system", map[string]string{"query": `mutation { auth_password_request(email: ` + strconv.Quote(who) + `) }`})
	}, auth.MailReset},
	{"openapi forgot-password", func(e *testenv.Env, who string) *testenv.Response {
		return e.Do("POST", "/auth/forgot-password", map[string]string{"email": who})
	}, auth.MailReset},
}

// sameAnswer reports how two answers differ (status, headers but Date,
// the request ids and cookie values, body with the CSRF token and the asked
// addresses blanked), or "" when they do not.
func sameAnswer(a, b *testenv.Response, whoA, whoB string) string {
	if a.StatusCode != b.StatusCode {
		return fmt.Sprintf("status %d vs %d", a.StatusCode, b.StatusCode)
	}
	skip := map[string]bool{"Date": true, "X-Request-Id": true, "X-Rcms-Request-Id": true, "Set-Cookie": true}
	for _, pair := range [][2]http.Header{{a.Header, b.Header}, {b.Header, a.Header}} {
		for k := range pair[0] {
			if !skip[k] && strings.Join(pair[0][k], ",") != strings.Join(pair[1][k], ",") {
				return fmt.Sprintf("header %s: %q vs %q", k, a.Header[k], b.Header[k])
			}
		}
	}
	names := func(r *testenv.Response) string {
		var n []string
		for _, c := range r.Cookies() {
			n = append(n, c.Name)
		}
		return strings.Join(n, ",")
	}
	if names(a) != names(b) {
		return "cookies " + names(a) + " vs " + names(b)
	}
	norm := func(body []byte, who string) string {
		s := requestID.ReplaceAllString(csrfField.ReplaceAllString(string(body), ""), "ID")
		return strings.ReplaceAll(s, who, "WHO")
	}
	if norm(a.Body, whoA) != norm(b.Body, whoB) {
		return fmt.Sprintf("body %q vs %q", a.Body, b.Body)
	}
	return ""
}

// drained waits until every request is resolved and every mail sent.
func drained(t *testing.T, e *testenv.Env) {
	t.Helper()
	e.WaitRequests()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := e.Store.ListMail(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, m := range ms {
			if m.SentAt == nil && m.DroppedAt == nil {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails still unsent", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestForgotDoorsKnownAndUnknownAlike: on every door a known and an unknown
// address get the same status, headers and body; the worker then mails the
// known member exactly once with a working link (or code) and the unknown
// address nothing (kotive: one invitation).
func TestForgotDoorsKnownAndUnknownAlike(t *testing.T) {
	for _, d := range forgotDoors {
		t.Run(d.name, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{})
			m := e.CreateMember(email, pw)
			known := d.send(e, email)
			unknown := d.send(e, unknownEmail)
			if known.StatusCode >= 300 {
				t.Fatalf("known: %d %s", known.StatusCode, known.Body)
			}
			if diff := sameAnswer(known, unknown, email, unknownEmail); diff != "" {
				t.Fatalf("known and unknown answer differently: %s", diff)
			}
			drained(t, e)
			msgs := e.SMTP.Messages()
			wantMsgs := 1
			if d.name == "kotive resetpassword" {
				wantMsgs = 2 // the unknown address is invited to register
			}
			if len(msgs) != wantMsgs {
				t.Fatalf("%d messages, want %d", len(msgs), wantMsgs)
			}
			var mine *smtptest.Message
			for i := range msgs {
				if len(msgs[i].To) == 1 && msgs[i].To[0] == m.Email {
					mine = &msgs[i]
				} else if d.name != "kotive resetpassword" || smtptest.LinkIn(msgs[i], e.BaseURL+"/register?invite=") == "" {
					t.Errorf("unexpected message to %v", msgs[i].To)
				}
			}
			if mine == nil {
				t.Fatal("the known member got no mail")
			}
			if d.mail == auth.MailResetCode {
				text, _ := smtptest.Bodies(*mine)
				// The code stands on a line of its own (the text around it
				// is worded by the catalogs and has 8-letter words too).
				var code string
				if m := regexp.MustCompile(`(?m)^\s*([A-Za-z2-9]{8})\s*$`).FindStringSubmatch(text); m != nil {
					code = m[1]
				}
				r := e.Do("POST", "/v1/forgot-password-confirm", map[string]string{"username": email, "password": "a brand new passphrase", "confirmation_code": code})
				if r.StatusCode >= 300 {
					t.Fatalf("confirm with the mailed code %q: %d %s\n%s", code, r.StatusCode, r.Body, text)
				}
				return
			}
			link := smtptest.LinkIn(*mine, e.BaseURL+"/reset-password?token=")
			if link == "" {
				t.Fatal("no reset link in the mail")
			}
			token := link[strings.Index(link, "token=")+6:]
			if r := e.Do("POST", "/auth/reset-password?token="+token, map[string]string{"password": "a brand new passphrase"}); r.StatusCode != 200 {
				t.Fatalf("reset with the mailed link: %d %s", r.StatusCode, r.Body)
			}
		})
	}
}

// TestForgotDoorsRateLimited: on every door the sixth request for one
// address and the 21st from one client IP are answered with the door's 429
// and Retry-After, the same for a known and an unknown address.
func TestForgotDoorsRateLimited(t *testing.T) {
	for _, d := range forgotDoors {
		t.Run(d.name, func(t *testing.T) {
			e := testenv.New(t, testenv.Options{NoSMTP: true})
			e.CreateMember(email, pw)
			var limited [2]*testenv.Response
			for i, who := range []string{email, unknownEmail} {
				for n := range 5 {
					if r := d.send(e, who); r.StatusCode >= 300 {
						t.Fatalf("%s request %d: %d %s", who, n+1, r.StatusCode, r.Body)
					}
				}
				limited[i] = d.send(e, who)
				wantTooMany(t, limited[i], who+" 6th")
			}
			if diff := sameAnswer(limited[0], limited[1], email, unknownEmail); diff != "" {
				t.Errorf("the 429 differs for known and unknown: %s", diff)
			}
			// 10 accepted so far from this IP (every request here comes
			// from the same client address): 10 more, then the IP is out.
			for n := range 10 {
				if r := d.send(e, fmt.Sprintf("other%d@example.com", n)); r.StatusCode >= 300 {
					t.Fatalf("address %d: %d %s", n, r.StatusCode, r.Body)
				}
			}
			wantTooMany(t, d.send(e, "fresh@example.com"), "21st from one IP")
		})
	}
}

func wantTooMany(t *testing.T, r *testenv.Response, what string) {
	t.Helper()
	s, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.StatusCode != http.StatusTooManyRequests || err != nil || s < 1 || s > 3600 {
		t.Fatalf("%s: %d Retry-After %q, want 429 with 1..3600: %.300s", what, r.StatusCode, r.Header.Get("Retry-After"), r.Body)
	}
}

// TestKotiveResetNoSpamRelay: 100 arbitrary addresses to kotive's
// resetpassword from one IP: at most the per-IP allowance (20) is accepted
// and at most that many invitations go out.
func TestKotiveResetNoSpamRelay(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	accepted := 0
	for i := range 100 {
		r := e.Do("POST", "/api/user/resetpassword", map[string]string{"email": fmt.Sprintf("victim%d@example.org", i)})
		switch r.StatusCode {
		case 200:
			accepted++
		case 429:
		default:
			t.Fatalf("address %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	if accepted > 20 {
		t.Fatalf("%d of 100 accepted from one IP, want at most 20", accepted)
	}
	drained(t, e)
	if n := len(e.SMTP.Messages()); n > 20 || n != accepted {
		t.Fatalf("%d invitations sent for %d accepted requests", n, accepted)
	}
}

// TestResetLinkDiesWhenEmailChanges: a reset link, a wme code and kuroco's
// link with its temporary password, mailed before an administrator changed
// the member's email, are refused on the page and on the API doors.
func TestResetLinkDiesWhenEmailChanges(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	m := e.CreateMember(email, pw)
	if r := e.Do("POST", "/auth/forgot-password", map[string]string{"email": email}); r.StatusCode != 204 {
		t.Fatalf("forgot: %d %s", r.StatusCode, r.Body)
	}
	link := smtptest.LinkIn(e.SMTP.WaitFor(t, 1, 10*time.Second)[0], e.BaseURL+"/reset-password?token=")
	token := link[strings.Index(link, "token=")+6:]
	if r := e.Do("POST", "/v1/forgot-password", map[string]string{"username": email}); r.StatusCode != 204 {
		t.Fatalf("wme forgot: %d %s", r.StatusCode, r.Body)
	}
	text, _ := smtptest.Bodies(e.SMTP.WaitFor(t, 2, 10*time.Second)[1])
	code := regexp.MustCompile(`\b[A-Za-z2-9]{8}\b`).FindString(text[strings.Index(text, "code"):])
	page := func() string {
		return string(e.Do("GET", "/reset-password?token="+url.QueryEscape(token), nil).Body)
	}
	if strings.Contains(page(), "invalid") {
		t.Fatal("the link does not work before the change")
	}
	full, err := e.Svc.ResolveMember(context.Background(), strconv.FormatInt(m.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.AdminUpdateMember(context.Background(), auth.Actor{CLI: true}, m.ID,
		auth.MemberUpdate{Email: "ann.moved@example.com", Username: full.Username, Name: full.Name}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page(), `data-testid="reset-invalid"`) {
		t.Errorf("the reset page still offers the form:\n%.1500s", page())
	}
	if r := e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(token), map[string]string{"password": "a brand new passphrase"}); r.StatusCode != 401 {
		t.Errorf("openapi reset: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "a brand new passphrase"}); r.StatusCode != 403 {
		t.Errorf("directus reset: %d %s", r.StatusCode, r.Body)
	}
	for _, who := range []string{email, "ann.moved@example.com"} {
		r := e.Do("POST", "/v1/forgot-password-confirm", map[string]string{"username": who, "password": "a brand new passphrase", "confirmation_code": code})
		if len(code) != 8 || r.StatusCode != 401 {
			t.Errorf("wme confirm as %s (code %q): %d %s, want 401", who, code, r.StatusCode, r.Body)
		}
	}
	// kuroco's reminder: a link with a temporary password, then an email
	// change; step 2 is refused.
	if r := e.Do("POST", "/rcms-api/1/reminder", map[string]string{"email": "ann.moved@example.com"}); r.StatusCode != 200 {
		t.Fatalf("kuroco reminder: %d %s", r.StatusCode, r.Body)
	}
	// The email change also mailed a security notice to the new address
	// and to the old one (docs/decisions.md "Audit events and proxy
	// safeguards"): find the reminder among the five mails by its link.
	var msg smtptest.Message
	told := map[string]bool{}
	for _, m := range e.SMTP.WaitFor(t, 5, 10*time.Second) {
		text, _ := smtptest.Bodies(m)
		if strings.Contains(text, e.BaseURL+"/reset-password?token=") && len(m.To) == 1 && m.To[0] == "ann.moved@example.com" {
			msg = m
		}
		if strings.Contains(text, "The email address was changed") && strings.Contains(text, email+" to ann.moved@example.com") && len(m.To) == 1 {
			told[m.To[0]] = true
		}
	}
	if !told[email] || !told["ann.moved@example.com"] {
		t.Errorf("email change notices went to %v, want the old and the new address", told)
	}
	kLink := smtptest.LinkIn(msg, e.BaseURL+"/reset-password?token=")
	var temp string
	if ms, err := e.Store.ListMail(context.Background(), 1); err == nil && len(ms) == 1 {
		temp = ms[0].Data["temp_password"] // the newest mail is this one
	}
	if kText, _ := smtptest.Bodies(msg); temp == "" || !strings.Contains(kText, temp) {
		t.Fatalf("temporary password %q not in the mail:\n%s", temp, kText)
	}
	if _, err := e.Svc.AdminUpdateMember(context.Background(), auth.Actor{CLI: true}, m.ID,
		auth.MemberUpdate{Email: "ann.again@example.com", Username: full.Username, Name: full.Name}); err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/rcms-api/1/reminder", map[string]string{"token": kLink[strings.Index(kLink, "token=")+6:], "temp_pwd": temp, "login_pwd": "a brand new passphrase"})
	if temp == "" || r.StatusCode != 401 {
		t.Errorf("kuroco reminder step 2 after the email change (temp %q): %d %s, want 401", temp, r.StatusCode, r.Body)
	}
	// The password is unchanged.
	if r := e.Do("POST", "/auth/login", map[string]string{"email": "ann.again@example.com", "password": pw}); r.StatusCode != 200 {
		t.Errorf("login with the old password: %d %s", r.StatusCode, r.Body)
	}
}
