package directus_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
)

// probe calls an authenticated route (tfa/generate needs the password and
// stores nothing) and returns the response.
func probe(e *testenv.Env, path string, headers ...string) *testenv.Response {
	return e.Do("POST", path, map[string]string{"password": annPass}, headers...)
}

// TestEndToEnd: login → the access token works as Bearer and as
// ?access_token= → refresh rotates → logout → everything is dead.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, refresh := loginJSON(t, e, annEmail, annPass)

	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access); r.StatusCode != 200 {
		t.Fatalf("bearer: %d %s", r.StatusCode, r.Body)
	}
	if r := probe(e, "/users/me/tfa/generate?access_token="+access); r.StatusCode != 200 {
		t.Fatalf("query: %d %s", r.StatusCode, r.Body)
	}
	r := probe(e, "/users/me/tfa/generate?access_token="+access, "Authorization", "Bearer "+access)
	wantError(t, r, 400, "INVALID_PAYLOAD")

	r = e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": refresh})
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	data := r.JSON()["data"].(map[string]any)
	access2, refresh2 := data["access_token"].(string), data["refresh_token"].(string)
	if refresh2 == "" || refresh2 == refresh || access2 == access {
		t.Fatalf("refresh did not rotate: %s", r.Body)
	}
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access2); r.StatusCode != 200 {
		t.Fatalf("new access: %d %s", r.StatusCode, r.Body)
	}

	r = e.Do("POST", "/auth/logout", map[string]string{"refresh_token": refresh2})
	if r.StatusCode != 200 || string(r.Body) != "{}" {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access2), 401, "INVALID_CREDENTIALS")
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access), 401, "INVALID_CREDENTIALS")
	// Directus answers a revoked refresh token 401 INVALID_CREDENTIALS
	// (AuthenticationService.refresh), not 403 INVALID_TOKEN.
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": refresh2}), 401, "INVALID_CREDENTIALS")
}

// TestCookieMode: the refresh token lives only in the cookie; refresh and
// logout work from the cookie alone.
func TestCookieMode(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "mode": "cookie"})
	line := setCookieLine(r, "directus_refresh_token")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "secure", "max-age=604800"} {
		if !strings.Contains(line, attr) {
			t.Errorf("refresh cookie lacks %s: %s", attr, line)
		}
	}
	if bytes.Contains(r.Body, []byte("refresh_token")) || bytes.Contains(r.Body, []byte(`"refresh"`)) {
		t.Fatalf("refresh token in the body: %s", r.Body)
	}
	ref := cookie(r, "directus_refresh_token")
	r = e.Do("POST", "/auth/refresh", nil, "Cookie", "directus_refresh_token="+ref)
	ref2 := cookie(r, "directus_refresh_token")
	if r.StatusCode != 200 || ref2 == "" || ref2 == ref || bytes.Contains(r.Body, []byte("refresh_token")) {
		t.Fatalf("cookie refresh: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("POST", "/auth/logout", nil, "Cookie", "directus_refresh_token="+ref2)
	if r.StatusCode != 200 || !strings.Contains(setCookieLine(r, "directus_refresh_token"), "expires=Thu, 01 Jan 1970") {
		t.Fatalf("logout: %d %v", r.StatusCode, r.Header.Values("Set-Cookie"))
	}
	wantError(t, e.Do("POST", "/auth/refresh", nil, "Cookie", "directus_refresh_token="+ref2), 401, "INVALID_CREDENTIALS")
}

// TestSessionMode: as Directus 11, session mode answers only
// {"data":{"expires"}} and sets directus_session_token (the access token,
// one day) and no refresh cookie; the cookie is a carrier; refresh in
// session mode renews it from the cookie alone and kills the old one;
// logout with it alone ends the session.
func TestSessionMode(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "mode": "session"})
	sess := cookie(r, "directus_session_token")
	if r.StatusCode != 200 || sess == "" || string(r.Body) != `{"data":{"expires":86400000}}` {
		t.Fatalf("session login: %d %v %s", r.StatusCode, r.Header.Values("Set-Cookie"), r.Body)
	}
	if setCookieLine(r, "directus_refresh_token") != "" {
		t.Fatalf("session mode set a refresh cookie: %v", r.Header.Values("Set-Cookie"))
	}
	if !strings.Contains(setCookieLine(r, "directus_session_token"), "max-age=86400") {
		t.Errorf("session cookie max-age: %s", setCookieLine(r, "directus_session_token"))
	}
	if r := probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess); r.StatusCode != 200 {
		t.Fatalf("session cookie as carrier: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}, "Cookie", "directus_session_token="+sess)
	sess2 := cookie(r, "directus_session_token")
	if r.StatusCode != 200 || sess2 == "" || sess2 == sess || string(r.Body) != `{"data":{"expires":86400000}}` {
		t.Fatalf("session refresh: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}, "Cookie", "directus_session_token="+sess), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}), 400, "INVALID_PAYLOAD")
	r = e.Do("POST", "/auth/logout", nil, "Cookie", "directus_session_token="+sess2)
	if r.StatusCode != 200 {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess2), 401, "INVALID_CREDENTIALS")
}

// TestT2: a refresh token is no bearer token, an access token no refresh
// token.
func TestT2(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, refresh := loginJSON(t, e, annEmail, annPass)
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+refresh), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": access}), 401, "INVALID_CREDENTIALS")
	wantError(t, gql(e, `mutation { auth_refresh(refresh_token: "`+access+`") { access_token } }`, nil), 200, "INVALID_CREDENTIALS")
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access); r.StatusCode != 200 {
		t.Fatalf("access token refused after the probes: %d %s", r.StatusCode, r.Body)
	}
}

// TestT6: logout answers the same for a valid, a garbage and an already
// revoked token; garbage changes nothing.
func TestT6(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	e.CreateMember("bob@example.com", annPass)
	bobAccess, _ := loginJSON(t, e, "bob@example.com", annPass)
	_, refresh := loginJSON(t, e, annEmail, annPass)

	valid := e.Do("POST", "/auth/logout", map[string]string{"refresh_token": refresh})
	garbage := e.Do("POST", "/auth/logout", map[string]string{"refresh_token": "garbage"})
	again := e.Do("POST", "/auth/logout", map[string]string{"refreshToken": refresh})
	for name, r := range map[string]*testenv.Response{"valid": valid, "garbage": garbage, "revoked": again} {
		if r.StatusCode != 200 || string(r.Body) != "{}" || strings.Join(r.Header.Values("Set-Cookie"), "|") != strings.Join(valid.Header.Values("Set-Cookie"), "|") {
			t.Errorf("%s: %d %s %v", name, r.StatusCode, r.Body, r.Header.Values("Set-Cookie"))
		}
	}
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+bobAccess); r.StatusCode != 200 {
		t.Fatalf("bob's session changed: %d %s", r.StatusCode, r.Body)
	}
	r := e.Do("POST", "/auth/logout", map[string]string{})
	if r.StatusCode != 400 || errCode(r) != "INVALID_PAYLOAD" || r.JSON()["code"] != float64(400) || r.JSON()["message"] == "" {
		t.Fatalf("logout without token: %d %s", r.StatusCode, r.Body)
	}
}

// TestR2ResetURL: every look-alike of the allowed reset URL is refused the
// same way, for a known and an unknown email alike (the answer must not
// reveal the account); the exact URL is used in the mailed link.
func TestR2ResetURL(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	bad := []string{"https://evil.example", "//evil.example", `/\evil.example`, "https:evil.example",
		"https://good.example.evil.example", "https://good.example@evil.example", "javascript:alert(1)", "data:text/html,x",
		"https://good.example/reset/", "https://good.example/reset?x=1"}
	var first []byte
	for _, u := range bad {
		r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail, "reset_url": u})
		wantError(t, r, 400, "INVALID_PAYLOAD")
		if first == nil {
			first = r.Body
		} else if !bytes.Equal(first, r.Body) {
			t.Errorf("%q answered differently: %s vs %s", u, r.Body, first)
		}
		if r := e.Do("POST", "/auth/password/request", map[string]string{"email": "nobody@example.com", "reset_url": u}); r.StatusCode != 400 || !bytes.Equal(first, r.Body) {
			t.Errorf("unknown email with %q: %d %s, want the known email's answer", u, r.StatusCode, r.Body)
		}
	}
	r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail, "reset_url": "https://good.example/reset"})
	if r.StatusCode != 204 {
		t.Fatalf("allowed url: %d %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	link := smtptest.LinkIn(msgs[0], "https://good.example/reset")
	if !strings.HasPrefix(link, "https://good.example/reset?token=") {
		t.Fatalf("link %q", link)
	}
	if len(e.SMTP.Messages()) != 1 {
		t.Fatalf("refused requests sent mail: %d", len(e.SMTP.Messages()))
	}
}

// TestResetFlow: request → mailed link → weak password refused → reset →
// login with the new password → the link is spent; an expired link is 401.
func TestResetFlow(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	if r := e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail}); r.StatusCode != 204 {
		t.Fatalf("request: %d %s", r.StatusCode, r.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10*time.Second)
	token := tokenFrom(t, smtptest.LinkIn(msgs[0], e.BaseURL+"/reset-password"))

	r := e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "short"})
	wantError(t, r, 400, "INVALID_PAYLOAD")
	if errMessage(r) == "" {
		t.Fatalf("weak password without a reason: %s", r.Body)
	}
	if r := e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "a brand new passphrase"}); r.StatusCode != 204 {
		t.Fatalf("reset: %d %s", r.StatusCode, r.Body)
	}
	loginJSON(t, e, annEmail, "a brand new passphrase")
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/password/reset", map[string]string{"token": token, "password": "another new passphrase"}), 403, "INVALID_TOKEN")

	e.Do("POST", "/auth/password/request", map[string]string{"email": annEmail})
	msgs = e.SMTP.WaitFor(t, 3, 10*time.Second) // the change notice, then the new link
	var token2 string
	for _, m := range msgs[1:] {
		if l := smtptest.LinkIn(m, e.BaseURL+"/reset-password?token="); l != "" {
			token2 = tokenFrom(t, l)
		}
	}
	e.Clock.Advance(61 * time.Minute)
	wantError(t, e.Do("POST", "/auth/password/reset", map[string]string{"token": token2, "password": "another new passphrase"}), 401, "TOKEN_EXPIRED")
}

// TestMFA: generate → enable with a computed code → login needs the otp.
func TestMFA(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	bearer := []string{"Authorization", "Bearer " + access}

	wantError(t, e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": "wrong password"}, bearer...), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": annPass}), 401, "INVALID_CREDENTIALS")
	r := e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": annPass}, bearer...)
	data, _ := r.JSON()["data"].(map[string]any)
	secret, _ := data["secret"].(string)
	if url, _ := data["otpauth_url"].(string); secret == "" || !strings.HasPrefix(url, "otpauth://totp/") {
		t.Fatalf("generate: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, e.Do("POST", "/users/me/tfa/enable", map[string]string{"secret": secret, "otp": "000000x"}, bearer...), 401, "INVALID_OTP")
	r = e.Do("POST", "/users/me/tfa/enable", map[string]string{"secret": secret, "otp": totp(t, secret, e.Clock.Now())}, bearer...)
	if r.StatusCode != 204 {
		t.Fatalf("enable: %d %s", r.StatusCode, r.Body)
	}

	r = e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass})
	wantError(t, r, 401, "INVALID_OTP")
	if r.JSON()["code"] != float64(401) {
		t.Fatalf("not the combined envelope: %s", r.Body)
	}
	wantError(t, e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "otp": "123456"}), 401, "INVALID_OTP")
	e.Clock.Advance(30 * time.Second) // the enable code's step is spent
	r = e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "otp": totp(t, secret, e.Clock.Now())})
	if r.StatusCode != 200 {
		t.Fatalf("login with otp: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Advance(30 * time.Second)
	r = gql(e, `mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }`, map[string]any{"otp": totp(t, secret, e.Clock.Now())}, bearer...)
	if string(r.Body) != `{"data":{"users_me_tfa_disable":true}}` {
		t.Fatalf("disable: %s", r.Body)
	}
	loginJSON(t, e, annEmail, annPass)
}

// TestB5: unknown user, wrong password and a suspended account with a
// wrong password answer identically (suspension is revealed, as
// USER_SUSPENDED, only to someone who gives the right password).
func TestB5(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	sus := e.CreateMember("sus@example.com", annPass)
	suspend(t, e, sus)
	tries := map[string]map[string]string{
		"unknown":   {"email": "nobody@example.com", "password": annPass},
		"wrong":     {"email": annEmail, "password": "wrong password"},
		"suspended": {"email": "sus@example.com", "password": "wrong password"},
	}
	want := `{"errors":[{"message":"Invalid user credentials.","extensions":{"code":"INVALID_CREDENTIALS"}}],"code":401,"message":"Invalid user credentials."}`
	var headers string
	for name, body := range tries {
		r := e.Do("POST", "/auth/login", body)
		if r.StatusCode != 401 || string(r.Body) != want {
			t.Errorf("%s: %d %s", name, r.StatusCode, r.Body)
		}
		h := r.Header.Clone()
		h.Del("Date")
		h.Del("X-Request-Id")
		got := strings.Join(sortedHeader(h), "\n")
		if headers == "" {
			headers = got
		} else if got != headers {
			t.Errorf("%s: headers differ:\n%s\nvs\n%s", name, got, headers)
		}
	}
}

func sortedHeader(h map[string][]string) []string {
	var out []string
	for k, v := range h {
		out = append(out, k+": "+strings.Join(v, ","))
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestLoginFloor: failed logins take at least the configured floor.
func TestLoginFloor(t *testing.T) {
	e := newEnv(t, func(o *testenv.Options) { o.API.DirectusLoginFloor = 200 })
	e.CreateMember(annEmail, annPass)
	for _, body := range []map[string]string{
		{"email": "nobody@example.com", "password": annPass},
		{"email": annEmail, "password": "wrong password"},
	} {
		start := time.Now()
		r := e.Do("POST", "/auth/login", body)
		if took := time.Since(start); r.StatusCode != 401 || took < 200*time.Millisecond {
			t.Errorf("%v: %d after %v", body, r.StatusCode, took)
		}
	}
	start := time.Now()
	r := gql(e, `mutation { auth_login(email: "nobody@example.com", password: "x") { access_token } }`, nil)
	if took := time.Since(start); errCode(r) != "INVALID_CREDENTIALS" || took < 200*time.Millisecond {
		t.Errorf("graphql: %s after %v", r.Body, took)
	}
}

// TestTemporaryPassword: a member who must set a new password gets 401
// PASSWORD_CHANGE_REQUIRED with a message that says what to do.
func TestTemporaryPassword(t *testing.T) {
	e := newEnv(t)
	if _, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: annEmail, Password: annPass, Temporary: true}); err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass})
	wantError(t, r, 401, "PASSWORD_CHANGE_REQUIRED")
	if !strings.Contains(errMessage(r), "password reset") {
		t.Fatalf("message: %s", r.Body)
	}
	wantError(t, e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": "wrong password"}), 401, "INVALID_CREDENTIALS")
}
