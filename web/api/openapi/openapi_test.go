package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

const (
	annEmail = "ann@example.com"
	annPass  = "correct horse battery"
	newPass  = "another long passphrase"
)

var isoRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// normalize replaces volatile values (tokens, expiry times, ids) with
// placeholders, after checking that each has the documented form.
func normalize(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			switch {
			case k == "token" || k == "access_token" || k == "refresh_token":
				if s, _ := val.(string); s == "" {
					t.Errorf("%s is empty", k)
				}
				out[k] = "<" + k + ">"
			case k == "expires":
				if s, ok := val.(string); ok {
					if !isoRE.MatchString(s) {
						t.Errorf("expires %q is not ISO-8601 with milliseconds", s)
					}
					out[k] = "<iso-time>"
				} else {
					out[k] = "<number>"
				}
			case k == "id":
				if _, ok := val.(float64); !ok {
					t.Errorf("id %v is not a number", val)
				}
				out[k] = "<id>"
			case k == "errors":
				out[k] = val // messages, never volatile
			default:
				out[k] = normalize(t, val)
			}
		}
		return out
	case []any:
		for i := range x {
			x[i] = normalize(t, x[i])
		}
	}
	return v
}

// golden compares the status, Cache-Control and normalised body of res with
// testdata/<name>.golden.json.
func golden(t *testing.T, name string, res *testenv.Response) {
	t.Helper()
	got := map[string]any{"status": res.StatusCode}
	if cc := res.Header.Get("Cache-Control"); cc != "" {
		got["cache-control"] = cc
	}
	if len(bytes.TrimSpace(res.Body)) > 0 {
		var body any
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatalf("%s: body is not JSON: %v: %s", name, err, res.Body)
		}
		got["body"] = normalize(t, body)
	}
	raw, _ := json.MarshalIndent(got, "", "  ")
	raw = append(raw, '\n')
	apitest.Golden(t, name, raw, *update)
}

func newEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, testenv.Options{})
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// str digs a string out of a decoded JSON value by keys.
func str(v map[string]any, keys ...string) string {
	var cur any = v
	for _, k := range keys {
		m, _ := cur.(map[string]any)
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

// registerAnn registers through the API and returns the decoded body.
func registerAnn(t *testing.T, e *testenv.Env) map[string]any {
	t.Helper()
	res := e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "email": annEmail, "password": annPass, "confirm": annPass})
	if res.StatusCode != 201 {
		t.Fatalf("register: %d %s", res.StatusCode, res.Body)
	}
	return res.JSON()
}

func TestGoldenWelcome(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	access := str(reg, "tokens", "access", "token")
	golden(t, "post_auth_200", e.Do("POST", "/auth", nil, bearer(access)...))
	golden(t, "post_auth_401_no_token", e.Do("POST", "/auth", nil))
	golden(t, "post_auth_401_bad_token", e.Do("POST", "/auth", nil, bearer("nonsense")...))
	golden(t, "post_auth_400_two_carriers", e.Do("POST", "/auth?access_token="+access, nil, bearer(access)...))

	res := e.Do("POST", "/auth", nil)
	if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer: %q", res.Header.Get("WWW-Authenticate"))
	}
	// Every carrier of docs/contract.md §1 works here.
	for _, h := range [][]string{{"X-RCMS-API-ACCESS-TOKEN", access}, {"Cookie", "directus_session_token=" + access}} {
		if res := e.Do("POST", "/auth", nil, h...); res.StatusCode != 200 {
			t.Errorf("carrier %s: %d %s", h[0], res.StatusCode, res.Body)
		}
	}
	if res := e.Do("POST", "/auth?access_token="+url.QueryEscape(access), nil); res.StatusCode != 200 {
		t.Errorf("?access_token: %d %s", res.StatusCode, res.Body)
	}
}

func TestGoldenRegister(t *testing.T) {
	e := newEnv(t)
	golden(t, "register_201", e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "email": annEmail, "password": annPass, "confirm": annPass}))
	golden(t, "register_400_email_taken", e.Do("POST", "/auth/register", map[string]any{"name": "Ann Again", "email": "ANN@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_name_short", e.Do("POST", "/auth/register", map[string]any{"name": "Ann", "email": "c@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_name_long", e.Do("POST", "/auth/register", map[string]any{"name": strings.Repeat("n", 21), "email": "c@example.com", "password": annPass, "confirm": annPass}))
	golden(t, "register_400_fields", e.Do("POST", "/auth/register", map[string]any{"name": "Carol Doe", "email": "not-an-email", "password": "short", "confirm": "other"}))
	golden(t, "register_400_confirm", e.Do("POST", "/auth/register", map[string]any{"name": "Carol Doe", "email": "c@example.com", "password": annPass, "confirm": annPass + "!"}))
	golden(t, "register_400_empty", e.Do("POST", "/auth/register", "{}"))
	golden(t, "register_400_mistyped", e.Do("POST", "/auth/register", `{"name":"Carol Doe","email":42,"password":"x","confirm":"x"}`))
	golden(t, "register_400_malformed", e.Do("POST", "/auth/register", `{"name":`))
	golden(t, "register_415_content_type", e.Do("POST", "/auth/register", `name=Carol`, "Content-Type", "application/x-www-form-urlencoded"))
}

// TestRegisterBio: the optional bio is stored and returned.
func TestRegisterBio(t *testing.T) {
	e := newEnv(t)
	bio := "Likes hiking."
	res := e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "bio": bio, "email": annEmail, "password": annPass, "confirm": annPass})
	if res.StatusCode != 201 {
		t.Fatalf("register: %d %s", res.StatusCode, res.Body)
	}
	if got := str(res.JSON(), "user", "bio"); got != bio {
		t.Fatalf("bio not stored: %s", res.Body)
	}
	golden(t, "register_201_bio", res)
}

func TestGoldenRefreshTokens(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	golden(t, "refresh_tokens_200", e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": str(reg, "tokens", "refresh", "token")}))
	golden(t, "refresh_tokens_401", e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": "nonsense"}))
	golden(t, "refresh_tokens_400_missing", e.Do("POST", "/auth/refresh-tokens", "{}"))
	golden(t, "refresh_tokens_400_mistyped", e.Do("POST", "/auth/refresh-tokens", `{"refreshToken":["a"]}`))
	// An access token is no refresh token.
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": str(reg, "tokens", "access", "token")}); res.StatusCode != 401 {
		t.Errorf("access token as refresh token: %d %s", res.StatusCode, res.Body)
	}
}

// mailedToken waits for the n-th mail, checks it went to rcpt, and returns
// the token of its reset link.
func mailedToken(t *testing.T, e *testenv.Env, n int, rcpt string) string {
	t.Helper()
	msgs := e.SMTP.WaitFor(t, n, 10*time.Second)
	msg := msgs[n-1]
	if len(msg.To) != 1 || !strings.EqualFold(msg.To[0], rcpt) {
		t.Fatalf("mail %d went to %v, want %s", n, msg.To, rcpt)
	}
	link := smtptest.LinkIn(msg, e.BaseURL+"/reset-password?token=")
	if link == "" {
		text, _ := smtptest.Bodies(msg)
		t.Fatalf("no reset link in mail %d: %s", n, text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestGoldenPasswordReset(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	golden(t, "forgot_password_204", e.Do("POST", "/auth/forgot-password", map[string]any{"email": annEmail}))
	golden(t, "forgot_password_204_unknown", e.Do("POST", "/auth/forgot-password", map[string]any{"email": "nobody@example.com"}))
	golden(t, "forgot_password_400_missing", e.Do("POST", "/auth/forgot-password", "{}"))
	tok := mailedToken(t, e, 1, annEmail)

	golden(t, "reset_password_400_weak", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": "short"}))
	golden(t, "reset_password_400_missing_password", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), "{}"))
	golden(t, "reset_password_400_missing_token", e.Do("POST", "/auth/reset-password", map[string]any{"password": newPass}))
	golden(t, "reset_password_401_bad_token", e.Do("POST", "/auth/reset-password?token=nonsense", map[string]any{"password": newPass}))
	golden(t, "reset_password_200", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass}))
	golden(t, "reset_password_401_used", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass + "2"}))

	// An expired link is 401 too.
	if err := e.Svc.RequestPasswordReset(context.Background(), annEmail); err != nil {
		t.Fatal(err)
	}
	e.SMTP.WaitFor(t, 3, 10*time.Second) // reset, "password changed", reset
	tok2 := lastResetToken(t, e, annEmail)
	e.Clock.Advance(61 * time.Minute)
	golden(t, "reset_password_401_expired", e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok2), map[string]any{"password": newPass + "2"}))
}

// lastResetToken returns the token of the newest reset mail to rcpt.
func lastResetToken(t *testing.T, e *testenv.Env, rcpt string) string {
	t.Helper()
	msgs := e.SMTP.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if link := smtptest.LinkIn(msgs[i], e.BaseURL+"/reset-password?token="); link != "" && strings.EqualFold(msgs[i].To[0], rcpt) {
			u, _ := url.Parse(link)
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no reset mail to %s", rcpt)
	return ""
}

// TestRotationReuseDetection is docs/security.md T3 from the openapi client's
// side: register → POST /auth → refresh (rotated) → the old refresh token
// replayed after the grace window is refused, and then so is the new one,
// and the family's access tokens die.
func TestRotationReuseDetection(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	a0, r0 := str(reg, "tokens", "access", "token"), str(reg, "tokens", "refresh", "token")
	if res := e.Do("POST", "/auth", nil, bearer(a0)...); res.StatusCode != 200 || str(res.JSON(), "message") != "Welcome, Ann Smith" {
		t.Fatalf("POST /auth: %d %s", res.StatusCode, res.Body)
	}
	res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	if res.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", res.StatusCode, res.Body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("refresh Cache-Control = %q", res.Header.Get("Cache-Control"))
	}
	a1, r1 := str(res.JSON(), "access", "token"), str(res.JSON(), "refresh", "token")
	if r1 == "" || r1 == r0 || a1 == "" || a1 == a0 {
		t.Fatalf("refresh did not rotate: %s", res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(a1)...); res.StatusCode != 200 {
		t.Fatalf("new access token: %d %s", res.StatusCode, res.Body)
	}
	e.Clock.Advance(11 * time.Second)
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0}); res.StatusCode != 401 || str(res.JSON(), "message") == "" {
		t.Fatalf("replayed R0: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r1}); res.StatusCode != 401 {
		t.Fatalf("R1 after reuse detection: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(a1)...); res.StatusCode != 401 {
		t.Fatalf("access token after reuse detection: %d %s", res.StatusCode, res.Body)
	}
}

// TestGraceReplay: the immediate parent replayed within the grace window
// gets the current token, not a fork or a revocation (docs/security.md T4).
func TestGraceReplay(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	r0 := str(reg, "tokens", "refresh", "token")
	first := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	again := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": r0})
	if first.StatusCode != 200 || again.StatusCode != 200 {
		t.Fatalf("refresh within grace: %d %s / %d %s", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	if r1, r1b := str(first.JSON(), "refresh", "token"), str(again.JSON(), "refresh", "token"); r1 != r1b {
		t.Errorf("grace replay forked the family: %q vs %q", r1, r1b)
	}
}

// TestSharedLoginLogout drives the shared routes of docs/contract.md §7 as an
// openapi client: login {"email","password"} → user and tokens with ISO
// times; logout {"refreshToken"} → 200 {}; the access token then dies.
func TestSharedLoginLogout(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass})
	if res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, res.Body)
	}
	body := res.JSON()
	if str(body, "user", "email") != annEmail {
		t.Errorf("login user: %s", res.Body)
	}
	for _, k := range []string{"access", "refresh"} {
		if str(body, "tokens", k, "token") == "" || !isoRE.MatchString(str(body, "tokens", k, "expires")) {
			t.Errorf("login tokens.%s: %s", k, res.Body)
		}
	}
	access, refresh := str(body, "tokens", "access", "token"), str(body, "tokens", "refresh", "token")
	if res := e.Do("POST", "/auth", nil, bearer(access)...); res.StatusCode != 200 {
		t.Fatalf("POST /auth after login: %d %s", res.StatusCode, res.Body)
	}
	res = e.Do("POST", "/auth/logout", map[string]any{"refreshToken": refresh})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth", nil, bearer(access)...); res.StatusCode != 401 {
		t.Fatalf("POST /auth after logout: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/refresh-tokens", map[string]any{"refreshToken": refresh}); res.StatusCode != 401 {
		t.Fatalf("refresh after logout: %d %s", res.StatusCode, res.Body)
	}
	// No token anywhere: 400 with the openapi envelope fields.
	res = e.Do("POST", "/auth/logout", "{}")
	if res.StatusCode != 400 || res.JSON()["code"] != float64(400) || str(res.JSON(), "message") == "" {
		t.Errorf("logout without token: %d %s", res.StatusCode, res.Body)
	}
}

// TestLoginFailuresIdentical is docs/security.md B5 on the shared login route: an
// unknown user and a wrong password get the same status and body.
func TestLoginFailuresIdentical(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	unknown := e.Do("POST", "/auth/login", map[string]any{"email": "nobody@example.com", "password": annPass})
	wrong := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": "wrong password here"})
	if unknown.StatusCode != 401 || wrong.StatusCode != 401 {
		t.Fatalf("statuses %d, %d; want 401", unknown.StatusCode, wrong.StatusCode)
	}
	if !bytes.Equal(unknown.Body, wrong.Body) {
		t.Errorf("bodies differ:\n%s\n%s", unknown.Body, wrong.Body)
	}
	if unknown.JSON()["code"] != float64(401) || str(unknown.JSON(), "message") == "" {
		t.Errorf("401 lacks the openapi envelope: %s", unknown.Body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "WWW-Authenticate"} {
		if unknown.Header.Get(h) != wrong.Header.Get(h) {
			t.Errorf("header %s differs: %q vs %q", h, unknown.Header.Get(h), wrong.Header.Get(h))
		}
	}
}

// TestResetFlow: forgot-password → mail → reset-password → 200 {} → the
// new password logs in, the old one does not, and old sessions are gone.
func TestResetFlow(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	login := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass})
	oldAccess := str(login.JSON(), "tokens", "access", "token")

	if res := e.Do("POST", "/auth/forgot-password", map[string]any{"email": "Ann@Example.com"}); res.StatusCode != 204 {
		t.Fatalf("forgot-password: %d %s", res.StatusCode, res.Body)
	}
	tok := mailedToken(t, e, 1, annEmail)
	res := e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("reset-password: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": newPass}); res.StatusCode != 200 {
		t.Errorf("login with the new password: %d %s", res.StatusCode, res.Body)
	}
	if res := e.Do("POST", "/auth/login", map[string]any{"email": annEmail, "password": annPass}); res.StatusCode != 401 {
		t.Errorf("login with the old password: %d %s", res.StatusCode, res.Body)
	}
	if oldAccess != "" {
		if res := e.Do("POST", "/auth", nil, bearer(oldAccess)...); res.StatusCode != 401 {
			t.Errorf("old access token after reset: %d %s", res.StatusCode, res.Body)
		}
	}
}

// TestPageResetTokenWorksHere: a reset token mailed by the pages'
// forgot-password (RequestPasswordReset) works at /auth/reset-password.
func TestPageResetTokenWorksHere(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	if err := e.Svc.RequestPasswordReset(context.Background(), annEmail); err != nil {
		t.Fatal(err)
	}
	tok := mailedToken(t, e, 1, annEmail)
	res := e.Do("POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": newPass})
	if res.StatusCode != 200 || strings.TrimSpace(string(res.Body)) != "{}" {
		t.Fatalf("reset-password with a page token: %d %s", res.StatusCode, res.Body)
	}
}

// TestSeedExamples sends every request example of seed 004 exactly as
// written and checks the documented status and shape.
func TestSeedExamples(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, path, body string
		headers          []string
		status           int
		errField         string // a 400 names this field
	}{
		{"post__auth", "/auth", "", []string{"Accept", "application/json", "Authorization", "Bearer {access-token}"}, 401, ""},
		{"post__auth_register", "/auth/register", `{
  "name": "string",
  "bio": "string",
  "email": "user@example.com",
  "password": "string",
  "confirm": "string"
}`, nil, 400, "password"},
		{"post__auth_login", "/auth/login", `{
  "email": "string",
  "password": "string"
}`, nil, 401, ""},
		{"post__auth_logout", "/auth/logout", `{
  "refreshToken": "string"
}`, nil, 200, ""},
		{"post__auth_refresh-tokens", "/auth/refresh-tokens", `{
  "refreshToken": "string"
}`, nil, 401, ""},
		{"post__auth_reset-password", "/auth/reset-password?token=string", `{
  "password": "string"
}`, nil, 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			res := e.Do("POST", tc.path, body, tc.headers...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, res.Body)
			}
			got := res.JSON()
			if tc.status == 200 {
				if strings.TrimSpace(string(res.Body)) != "{}" {
					t.Errorf("body %s, want {}", res.Body)
				}
				return
			}
			if got["code"] != float64(tc.status) || str(got, "message") == "" {
				t.Errorf("error envelope: %s", res.Body)
			}
			if tc.errField != "" && str(got, "errors", tc.errField) == "" {
				t.Errorf("400 does not name %q: %s", tc.errField, res.Body)
			}
		})
	}
}

// TestBadInputNever500 throws malformed and mistyped bodies at every route.
func TestBadInputNever500(t *testing.T) {
	e := newEnv(t)
	paths := []string{"/auth/register", "/auth/refresh-tokens", "/auth/reset-password?token=x", "/auth/forgot-password"}
	bodies := []string{`{`, `[]`, `"x"`, `null`, `{"email":{},"password":1,"confirm":true,"name":[],"refreshToken":2,"bio":5}`, "\x00\xff", `{"a":1}{"b":2}`}
	for _, p := range paths {
		for _, b := range bodies {
			res := e.Do("POST", p, b)
			if res.StatusCode != 400 {
				t.Errorf("%s %q: %d %s", p, b, res.StatusCode, res.Body)
				continue
			}
			got := res.JSON()
			if got["code"] != float64(400) || str(got, "message") == "" || len(got["errors"].(map[string]any)) == 0 {
				t.Errorf("%s %q: envelope %s", p, b, res.Body)
			}
		}
	}
}
