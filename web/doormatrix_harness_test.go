package web_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// The door matrix's harness (the table is in doormatrix_test.go, the rules
// in doormatrix_rules_test.go): one Gatehouse whose peer 0.0.0.0 (every
// App.Test request) is a trusted proxy, so each request names its client
// IP in X-Forwarded-For, and whose mail stays in the outbox, so reset links
// and codes are read synchronously.

// Accounts every matrix environment has; all use goodPassword.
const (
	dmAnn   = "ann@example.com"   // the account under test
	dmAlice = "alice@example.com" // may act as ann (proxy grant)
	dmNone  = "nobody@example.com"
	dmGhost = "ghost@example.com"
)

// dmSpread are the accounts the per-IP throttle rule spreads failures over.
var dmSpread = []string{"t0@example.com", "t1@example.com", "t2@example.com", "t3@example.com", "t4@example.com"}

// dmNewPassword is what a successful change or reset sets.
const dmNewPassword = "a brand new passphrase 7"

// mx is one matrix environment.
type mx struct {
	t       *testing.T
	e       *testenv.Env
	w       *env // the pages' browser harness over the same app
	ctx     context.Context
	members map[string]auth.Member
	secrets map[string]string // TOTP secret per member with MFA on
	tokens  map[string]string // access token per client IP and account
	otp     map[string]*pendingOTP
	steps   map[string]int64 // the last TOTP step used per member
}

// pendingOTP is a browser at the code step of a page sign-in.
type pendingOTP struct {
	b     *browser
	live  bool
	wrong int
}

func newMX(t *testing.T, ipLimit int) *mx {
	t.Helper()
	x := testenv.New(t, testenv.Options{NoSMTP: true, TrustedProxies: []string{"0.0.0.0"},
		Auth: auth.Config{IPFailureLimit: ipLimit}})
	m := &mx{t: t, e: x, ctx: context.Background(), members: map[string]auth.Member{},
		secrets: map[string]string{}, tokens: map[string]string{}, otp: map[string]*pendingOTP{}, steps: map[string]int64{},
		w: &env{t: t, app: x.App, svc: x.Svc, store: x.Store, baseURL: x.BaseURL, logs: x.Logs, clock: x.Clock}}
	for _, email := range append([]string{dmAnn, dmAlice}, dmSpread...) {
		m.members[email] = x.CreateMember(email, goodPassword)
	}
	return m
}

// client is one caller: an IP and, for the pages, a browser keeping its
// cookies (the device cookie included).
type client struct {
	ip    string
	b     *browser            // a browser that is not signed in
	pages map[string]*browser // a browser signed in per account
}

func (x *mx) client(ip string) *client {
	b := x.w.browser()
	b.headers["X-Forwarded-For"] = ip
	return &client{ip: ip, b: b, pages: map[string]*browser{}}
}

// answer is a read response from any door.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) String() string { return fmt.Sprintf("%d %.300s", a.status, a.body) }

// ok2xx is the success of most doors; pages answer 303 on success.
func (a answer) success() bool {
	return a.status >= 200 && a.status < 300 || a.status == http.StatusSeeOther
}

// api sends a JSON request (a nil body sends none) from c.
func (x *mx) api(c *client, method, path string, body any, headers ...string) answer {
	x.t.Helper()
	r := x.e.Do(method, path, body, append([]string{"X-Forwarded-For", c.ip}, headers...)...)
	return answer{r.StatusCode, r.Header, string(r.Body)}
}

// page posts a form from c's browser with a CSRF token from page.
func (x *mx) page(c *client, page, action string, form url.Values) answer {
	x.t.Helper()
	r := c.b.submit(page, action, form)
	return answer{r.StatusCode, r.Header, r.body}
}

func dmBasic(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

// password is the right or a wrong password.
func password(good bool) string {
	if good {
		return goodPassword
	}
	return "wrong password here"
}

// enableMFA turns TOTP on for who (through a session of its own).
func (x *mx) enableMFA(who string) {
	x.t.Helper()
	_, tok, err := x.e.Svc.LoginTokens(x.ctx, auth.LoginInput{Identifier: who, Password: goodPassword, Via: auth.ViaOpenAPI})
	if err != nil {
		x.t.Fatal(err)
	}
	sec, err := x.e.Svc.GenerateTOTP(x.ctx, tok.Session.ID, goodPassword, auth.ClientMeta{})
	if err != nil {
		x.t.Fatal(err)
	}
	if err := x.e.Svc.EnableTOTP(x.ctx, tok.Session.ID, sec.Secret, totp(sec.Secret, x.e.Clock.Now())); err != nil {
		x.t.Fatal(err)
	}
	x.secrets[who] = sec.Secret
	x.steps[who] = x.e.Clock.Now().Unix() / 30
}

// code is a valid TOTP code of who at a step not used before: the clock
// moves to the next step only when the current one was used (a backoff of
// the test must not run out by the test's own clock).
func (x *mx) code(who string) string {
	x.t.Helper()
	sec := x.secrets[who]
	if sec == "" {
		x.t.Fatalf("%s has no MFA", who)
	}
	now := x.e.Clock.Now()
	if used := x.steps[who]; now.Unix()/30 <= used {
		x.e.Clock.Advance(time.Duration((used+1)*30-now.Unix()) * time.Second)
		now = x.e.Clock.Now()
	}
	x.steps[who] = now.Unix() / 30
	return totp(sec, now)
}

// wrongCode is a code that is not valid now (a valid one moved by 500000).
func (x *mx) wrongCode(who string) string {
	if sec := x.secrets[who]; sec != "" {
		var n int
		fmt.Sscanf(totp(sec, x.e.Clock.Now()), "%d", &n)
		return fmt.Sprintf("%06d", (n+500000)%1000000)
	}
	return "123456"
}

// token is an access token of a session of who opened by c (with the
// code when who has MFA on), made once per client and account.
func (x *mx) token(c *client, who string) string {
	x.t.Helper()
	key := c.ip + "|" + who
	if tok := x.tokens[key]; tok != "" {
		return tok
	}
	in := auth.LoginInput{Identifier: who, Password: goodPassword, Via: auth.ViaDirectus, Meta: auth.ClientMeta{IP: c.ip}}
	if x.secrets[who] != "" {
		in.OTP = x.code(who)
	}
	_, tok, err := x.e.Svc.LoginTokens(x.ctx, in)
	if err != nil {
		x.t.Fatalf("session of %s from %s: %v", who, c.ip, err)
	}
	x.tokens[key] = tok.Access
	return tok.Access
}

// signIn returns a browser from c's IP signed in as who on the pages (with
// the code step when who has MFA on), signing in once.
func (x *mx) signIn(c *client, who string) *browser {
	x.t.Helper()
	if b := c.pages[who]; b != nil {
		return b
	}
	b := x.w.browser()
	b.headers["X-Forwarded-For"] = c.ip
	r := b.login(who, goodPassword)
	if r.location() == "/login/otp" {
		r = b.submit("/login/otp", "/login/otp", url.Values{"otp": {x.code(who)}})
	}
	if r.StatusCode != http.StatusSeeOther || r.location() != "/account" {
		x.t.Fatalf("page sign-in of %s: %d %q", who, r.StatusCode, r.location())
	}
	c.pages[who] = b
	return b
}

// mail returns the Data of the newest outbox mail of kind to who.
func (x *mx) mail(who, kind string) map[string]string {
	x.t.Helper()
	ms, err := x.e.Store.ListMail(x.ctx, 200)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, m := range ms { // newest first
		if strings.EqualFold(m.To, who) && m.Kind == kind {
			return m.Data
		}
	}
	x.t.Fatalf("no %s mail to %s", kind, who)
	return nil
}

// resetToken requests a reset link for who and returns its token (and the
// temporary password, for kuroco's reminder).
func (x *mx) resetToken(who string, mode auth.ResetMode) (token, temp string) {
	x.t.Helper()
	if err := x.e.Svc.RequestReset(x.ctx, auth.ResetRequest{Identifier: who, Mode: mode}); err != nil {
		x.t.Fatal(err)
	}
	x.e.WaitRequests() // the outbox worker resolves the request into the reset mail
	d := x.mail(who, auth.MailReset)
	u, err := url.Parse(d["link"])
	if err != nil || u.Query().Get("token") == "" {
		x.t.Fatalf("reset link %q", d["link"])
	}
	return u.Query().Get("token"), d["temp_password"]
}

// resetCode requests a wme confirmation code for who.
func (x *mx) resetCode(who string) string {
	x.t.Helper()
	if err := x.e.Svc.RequestReset(x.ctx, auth.ResetRequest{Identifier: who, Mode: auth.ResetCode}); err != nil {
		x.t.Fatal(err)
	}
	x.e.WaitRequests() // the outbox worker resolves the request into the code mail
	ms, err := x.e.Store.ListMail(x.ctx, 200)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, m := range ms {
		if strings.EqualFold(m.To, who) && m.Data["code"] != "" {
			return m.Data["code"]
		}
	}
	x.t.Fatalf("no reset code mailed to %s", who)
	return ""
}

// grant is a kuroco grant token of a fresh login of who.
func (x *mx) grant(who string) string {
	x.t.Helper()
	_, g, err := x.e.Svc.LoginChallenge(x.ctx, auth.LoginInput{Identifier: who, Password: goodPassword, Via: auth.ViaKuroco})
	if err != nil {
		x.t.Fatal(err)
	}
	return g.Token
}

// randomSecret is a well-formed token that names nothing.
func randomSecret() string { return rand.Text() + rand.Text() }

// proxyClient is a client holding a proxy session of alice acting as ann:
// on the pages through /proxy/start, for the APIs through kuroco
// alias_login and token (so the proxy session has an access token).
func (x *mx) proxyClient(ip string) *client {
	x.t.Helper()
	alice, ann := x.members[dmAlice], x.members[dmAnn]
	if err := x.e.Store.Update(x.ctx, func(tx auth.Tx) error {
		return tx.GrantProxy(x.ctx, &auth.ProxyGrant{TargetID: ann.ID, ActorID: alice.ID})
	}); err != nil {
		x.t.Fatal(err)
	}
	c := x.client(ip)
	b := x.signIn(c, dmAlice)
	if r := b.submit("/account", fmt.Sprintf("/proxy/start/%d", ann.ID), proxyReasonForm()); r.StatusCode != http.StatusSeeOther {
		x.t.Fatalf("proxy start: %d %s", r.StatusCode, r.body)
	}
	c.pages[dmAnn] = b
	_, sess, err := x.e.Svc.Login(x.ctx, auth.LoginInput{Identifier: dmAlice, Password: goodPassword, Via: auth.ViaKuroco, Meta: auth.ClientMeta{IP: ip}})
	if err != nil {
		x.t.Fatal(err)
	}
	_, g, err := x.e.Svc.AliasLogin(x.ctx, sess, ann.ID, "support ticket 42")
	if err != nil {
		x.t.Fatal(err)
	}
	_, tok, err := x.e.Svc.ExchangeGrant(x.ctx, g.Token, auth.ClientMeta{IP: ip})
	if err != nil {
		x.t.Fatal(err)
	}
	x.tokens[ip+"|"+dmAnn] = tok.Access
	return c
}

// passwordIs reports whether who still signs in with password (through
// the service, from an address of its own, so no counter of the test is
// touched in a way that matters).
func (x *mx) passwordIs(who, password string) bool {
	x.t.Helper()
	in := auth.LoginInput{Identifier: who, Password: password, Via: auth.ViaDirectus, Meta: auth.ClientMeta{IP: "192.0.2.250"}}
	if x.secrets[who] != "" {
		in.OTP = x.code(who)
	}
	_, _, err := x.e.Svc.LoginTokens(x.ctx, in)
	return err == nil
}

var (
	dmUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	dmHex  = regexp.MustCompile(`[0-9a-f]{16,}`)
)

// normalize is an answer without what differs per request: request ids,
// dates, CSRF tokens, cookie values and the identifiers the test sent.
func normalize(a answer, idents ...string) string {
	var hs []string
	for k, v := range a.header {
		switch {
		case strings.HasSuffix(strings.ToLower(k), "request-id"), k == "Date", k == "Content-Length":
			continue
		case k == "Set-Cookie":
			var names []string
			for _, c := range v {
				name, _, _ := strings.Cut(c, "=")
				names = append(names, name)
			}
			sort.Strings(names)
			v = names
		}
		hs = append(hs, k+": "+strings.Join(v, ","))
	}
	sort.Strings(hs)
	body := csrfRE.ReplaceAllString(a.body, `name="_csrf" value=""`)
	body = dmUUID.ReplaceAllString(body, "UUID")
	body = dmHex.ReplaceAllString(body, "HEX")
	for _, id := range idents {
		body = strings.ReplaceAll(body, id, "IDENT")
	}
	return fmt.Sprintf("%d\n%s\n%s", a.status, strings.Join(hs, "\n"), body)
}

// otpBrowser is a browser from c's IP at the code step of who's page
// sign-in (the same browser, so the same device cookie, every time; it
// signs in with the password again when its pending step ended).
func (x *mx) otpBrowser(c *client, who string) *browser {
	x.t.Helper()
	k := c.ip + "|" + who
	p := x.otp[k]
	if p == nil {
		b := x.w.browser()
		b.headers["X-Forwarded-For"] = c.ip
		p = &pendingOTP{b: b}
		x.otp[k] = p
	}
	if !p.live {
		for k2, q := range x.otp { // a new password step replaces the pending one
			if strings.HasSuffix(k2, "|"+who) {
				q.live = false
			}
		}
		if r := p.b.login(who, goodPassword); r.StatusCode != http.StatusSeeOther || r.location() != "/login/otp" {
			x.t.Fatalf("password step of %s: %d %q", who, r.StatusCode, r.location())
		}
		p.live, p.wrong = true, 0
	}
	return p.b
}

// usedCode records the outcome of a code step: a sign-in ends it, and so
// does the fifth wrong code (login.go maxOTPAttempts).
func (x *mx) usedCode(c *client, who string, status int) {
	p := x.otp[c.ip+"|"+who]
	switch {
	case status == http.StatusSeeOther:
		p.live = false
	case status == http.StatusUnauthorized:
		if p.wrong++; p.wrong >= 5 {
			p.live = false
		}
	}
}
