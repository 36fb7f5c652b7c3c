package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// pageFuzzClient is a fixed signed-in browser (cookies and CSRF token) for
// the fuzz target; it never changes, so every input is tried against the
// same session.
type pageFuzzClient struct {
	app     *fiber.App
	cookies []*http.Cookie
	csrf    string
}

// send issues one request and returns status and body; refused is true when
// fasthttp refused the request while reading it (a 4xx before any handler).
func (p *pageFuzzClient) send(tb testing.TB, req *http.Request) (status int, body string, refused bool) {
	for _, c := range p.cookies {
		req.AddCookie(c)
	}
	res, err := p.app.Test(req, -1)
	if err != nil {
		msg := err.Error()
		for _, s := range []string{"multipart", "small read buffer", "body size exceeds", "error when reading request"} {
			if strings.Contains(msg, s) {
				return 0, "", true
			}
		}
		tb.Fatalf("%s %.80q: %v", req.Method, req.RequestURI, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw), false
}

// signIn logs the owner in through the login form and keeps the cookies and
// the CSRF token of the account page.
func (p *pageFuzzClient) signIn(tb testing.TB, email, password string) {
	get := func(path string) string {
		res, err := p.app.Test(withCookies(httptest.NewRequest("GET", path, nil), p.cookies), -1)
		if err != nil {
			tb.Fatal(err)
		}
		defer res.Body.Close()
		p.keep(res)
		raw, _ := io.ReadAll(res.Body)
		m := csrfRE.FindStringSubmatch(string(raw))
		if m == nil {
			tb.Fatalf("no CSRF token on %s (%d)", path, res.StatusCode)
		}
		return m[1]
	}
	tok := get("/login")
	form := url.Values{"identifier": {email}, "password": {password}, "_csrf": {tok}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := p.app.Test(withCookies(req, p.cookies), -1)
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		tb.Fatalf("sign-in: %d", res.StatusCode)
	}
	p.keep(res)
	p.csrf = get("/account")
}

func (p *pageFuzzClient) keep(res *http.Response) {
	for _, c := range res.Cookies() {
		kept := p.cookies[:0]
		for _, o := range p.cookies {
			if o.Name != c.Name {
				kept = append(kept, o)
			}
		}
		p.cookies = append(kept, &http.Cookie{Name: c.Name, Value: c.Value})
	}
}

func withCookies(req *http.Request, cs []*http.Cookie) *http.Request {
	for _, c := range cs {
		req.AddCookie(c)
	}
	return req
}

// FuzzPageForms (I2): no form body, content type or route parameter makes a
// page panic or answer 5xx, for a signed-in Account Owner (so the member
// and admin forms are reached past CSRF and the role checks). Seeds include
// huge indices, deep bracket nesting, invalid UTF-8 and a 100 KB route
// parameter. go test -run '^$' -fuzz FuzzPageForms ./web/ explores further.
func FuzzPageForms(f *testing.F) {
	x := testenv.New(f, testenv.Options{})
	for _, m := range []struct {
		email string
		role  auth.RoleID
	}{{"owner@example.com", auth.RoleOwner}, {"bob@example.com", 0}} {
		if _, err := x.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: m.email, Password: goodPassword, Name: "Member", Role: m.role}); err != nil {
			f.Fatal(err)
		}
	}
	p := &pageFuzzClient{app: x.App}
	p.signIn(f, "owner@example.com", goodPassword)

	type op struct{ method, path string }
	// Not fuzzed: /logout, /account/password and the proxy routes, which
	// would end or swap the one session every input is tried with.
	ops := []op{
		{"POST", "/login"}, {"POST", "/register"}, {"POST", "/forgot-password"}, {"POST", "/reset-password"},
		{"POST", "/login/new-password"}, {"POST", "/login/otp"}, {"POST", "/account/profile"},
		{"POST", "/account/sessions/{}/revoke"}, {"POST", "/account/files/{}/delete"}, {"GET", "/account/files/{}"},
		{"GET", "/reset-password?token={}"}, {"GET", "/admin/members?q={}"}, {"POST", "/admin/members"},
		{"POST", "/admin/members/2"}, {"POST", "/admin/members/2/status"}, {"POST", "/admin/members/2/roles"},
		{"POST", "/admin/members/{}/proxy-grants"}, {"GET", "/admin/members/{}"}, {"POST", "/admin/groups"},
		{"POST", "/admin/groups/{}"}, {"GET", "/admin/audit?{}"},
		{"POST", "/account/two-factor/setup"}, {"POST", "/account/two-factor/enable"}, {"POST", "/account/two-factor/cancel"},
		{"POST", "/account/two-factor/recovery-codes"}, {"POST", "/account/two-factor/disable"},
	}
	contentTypes := []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/json", "text/plain"}
	seeds := []string{
		``, `identifier=ann%40example.com&password=correct+horse+battery`, `a[999999999999]=1`,
		`a[b][c][d][e][f][g][h][i][j][k][l][m][n][o][p][q][r][s][t]=1`, strings.Repeat(`a[`, 2000) + `=1`,
		"identifier=%ff%fe&password=\xff\xfe\xed\xa0\x80", `name=%00%01&email=x%40y&password=%`, `=&&==&%zz=%`,
		`roles=1&roles=2&roles=999999999999999999999&role=-1`, `status=suspended&status=active`, `page=-1&per_page=99999999999`,
		`email=` + strings.Repeat("a", 70000), strings.Repeat("9", 100*1024), `token=` + strings.Repeat("x", 5000),
		`{"identifier":"a","password":"b"}`, "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nv\r\n--x--\r\n",
	}
	for i := range ops {
		for j, s := range seeds {
			f.Add(uint8(i), uint8(0), s) // a form, with its CSRF token
			if j%len(contentTypes) != 0 {
				f.Add(uint8(i), uint8(j), s) // the same bytes as another type
			}
		}
	}
	f.Fuzz(func(t *testing.T, opIdx, ct uint8, body string) {
		o := ops[int(opIdx)%len(ops)]
		target, form := o.path, body
		if strings.Contains(target, "{}") {
			target = strings.Replace(target, "{}", url.QueryEscape(body), 1)
			form = ""
		}
		var rd io.Reader
		if o.method == "POST" {
			if form != "" {
				form += "&"
			}
			rd = strings.NewReader(form + "_csrf=" + url.QueryEscape(p.csrf))
		}
		req := httptest.NewRequest(o.method, "http://auth.example.test/", rd)
		req.URL.Opaque, req.RequestURI = target, target
		if c := contentTypes[int(ct)%len(contentTypes)]; c != "" && rd != nil {
			req.Header.Set("Content-Type", c)
		}
		status, raw, refused := p.send(t, req)
		if refused {
			return
		}
		if status >= 500 {
			t.Fatalf("%s %.80q body %.200q: status %d: %.300s", o.method, target, body, status, raw)
		}
		if strings.Contains(raw, "goroutine ") {
			t.Fatalf("%s %.80q: stack trace in the response", o.method, target)
		}
	})
}
