package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// Tests for the findings of issue 9 ("Why") at the doors; each failed on the
// code before the one gate (internal/auth/gate.go). Rate-limit and
// lockout numbers are asserted, never timings.

// TestWhyKurocoResetPasswordThrottled: kuroco reset_password without a
// token checks a password like a login, so one IP guessing across 15
// accounts meets the per-IP throttle: of 150 wrong guesses at most the
// allowance (100 a minute) is answered as a wrong password, and no account
// ends up locked for its owner.
func TestWhyKurocoResetPasswordThrottled(t *testing.T) {
	x := newMX(t, 0)
	var accounts []string
	for i := range 15 {
		email := fmt.Sprintf("acct%d@example.com", i)
		x.e.CreateMember(email, goodPassword)
		accounts = append(accounts, email)
	}
	c := x.client("198.51.100.7")
	evaluated, limited := 0, 0
	for i := range 150 {
		a := x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": accounts[i%15],
			"current_password": "wrong password here", "new_password": dmNewPassword})
		switch {
		case a.status == http.StatusTooManyRequests && a.header.Get("Retry-After") != "":
			limited++
		case a.status == http.StatusUnauthorized:
			evaluated++
		default:
			t.Fatalf("guess %d: %s", i+1, a)
		}
	}
	t.Logf("kuroco reset_password, one IP, 150 wrong passwords over 15 accounts: %d evaluated, %d refused with 429", evaluated, limited)
	if evaluated > 100 || limited != 150-evaluated {
		t.Fatalf("%d guesses evaluated (allowance 100), %d limited", evaluated, limited)
	}
	for _, email := range accounts {
		if !x.passwordIs(email, goodPassword) {
			t.Fatalf("%s is locked out for its owner after the attack", email)
		}
	}
}

// TestWhyKurocoResetPasswordTwoFactor: for a member with two-factor on,
// kuroco reset_password with the password alone (no token), or with the
// token of a session that did not pass the code, changes nothing and
// signs nobody out; the old password is never accepted as the new one.
func TestWhyKurocoResetPasswordTwoFactor(t *testing.T) {
	x := newMX(t, 0)
	c := x.client("198.51.100.7")
	before := x.token(c, dmAnn) // a session from before two-factor was on
	x.enableMFA(dmAnn)
	owner := x.token(x.client("198.51.100.8"), dmAnn) // the owner's session, with the code
	for name, headers := range map[string][]string{"no token": nil, "token without the code": {"X-RCMS-API-ACCESS-TOKEN", before}} {
		a := x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": dmAnn,
			"current_password": goodPassword, "new_password": dmNewPassword}, headers...)
		if a.status < 400 || a.status >= 500 {
			t.Errorf("%s: %s, want a refusal", name, a)
		}
	}
	if !x.passwordIs(dmAnn, goodPassword) {
		t.Fatal("the password changed")
	}
	if r := x.e.Do("POST", "/auth", nil, "Authorization", "Bearer "+owner); r.StatusCode != http.StatusOK {
		t.Fatalf("the owner was signed out: %d", r.StatusCode)
	}
	// With a session that passed the code, the old password as the new one
	// is refused, and a new one is accepted.
	a := x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": dmAnn,
		"current_password": goodPassword, "new_password": goodPassword}, "X-RCMS-API-ACCESS-TOKEN", owner)
	if a.status < 400 || a.status >= 500 {
		t.Fatalf("the current password as the new one: %s", a)
	}
	a = x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": dmAnn,
		"current_password": goodPassword, "new_password": dmNewPassword}, "X-RCMS-API-ACCESS-TOKEN", owner)
	if a.status != http.StatusOK {
		t.Fatalf("from a session that passed the code: %s", a)
	}
}

// TestWhyKurocoResetPasswordProxy: alice, allowed to act as ann, goes
// through kuroco alias_login and token; ann's password cannot be changed
// with that token (403 in kuroco's envelope).
func TestWhyKurocoResetPasswordProxy(t *testing.T) {
	x := newMX(t, 0)
	ann, alice := x.members[dmAnn], x.members[dmAlice]
	if err := x.e.Store.Update(x.ctx, func(tx auth.Tx) error {
		return tx.GrantProxy(x.ctx, &auth.ProxyGrant{TargetID: ann.ID, ActorID: alice.ID})
	}); err != nil {
		t.Fatal(err)
	}
	c := x.client("198.51.100.7")
	kuroco := func(path string, body any, headers ...string) map[string]any {
		t.Helper()
		a := x.api(c, "POST", "/rcms-api/1/"+path, body, headers...)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %s", path, a)
		}
		var v map[string]any
		_ = json.Unmarshal([]byte(a.body), &v)
		return v
	}
	access := func(grant any) string {
		tok := kuroco("token", map[string]any{"grant_token": grant})
		return tok["access_token"].(map[string]any)["value"].(string)
	}
	mine := access(kuroco("login", map[string]any{"email": dmAlice, "password": goodPassword})["grant_token"])
	proxied := access(kuroco("alias_login", map[string]any{"aliaslogin_id": ann.ID, "reason": "support ticket 42"}, "X-RCMS-API-ACCESS-TOKEN", mine)["grant_token"])
	a := x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": dmAnn,
		"current_password": goodPassword, "new_password": dmNewPassword}, "X-RCMS-API-ACCESS-TOKEN", proxied)
	var env struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	if err := json.Unmarshal([]byte(a.body), &env); a.status != http.StatusForbidden || err != nil || len(env.Errors) == 0 {
		t.Fatalf("reset_password from a proxy session: %s, want 403 in kuroco's envelope", a)
	}
	if !x.passwordIs(dmAnn, goodPassword) {
		t.Fatal("ann's password changed")
	}
}

// TestWhyChangeDoorsCountFailures: tfa generate, wme change-password and
// the account page count wrong current passwords like a login: 24 wrong
// guesses, then the right password is refused with 429.
func TestWhyChangeDoorsCountFailures(t *testing.T) {
	for _, name := range []string{"directus tfa generate", "wme change-password", "page change password"} {
		t.Run(name, func(t *testing.T) {
			d := doorNamed(t, name)
			x := newMX(t, 0)
			c := x.client("198.51.100.7")
			d.prime(x, c, dmAnn)
			answered := 0
			for range 24 {
				if a := d.try(x, c, dmAnn, false); d.isOK(a) || a.status >= 500 {
					t.Fatalf("a wrong guess: %s", a)
				} else if !d.isLimited(a) {
					answered++
				}
			}
			limited(t, d, d.try(x, c, dmAnn, true), "the right password after 24 wrong ones")
			if answered != 10 {
				t.Errorf("%d wrong guesses evaluated, want 10 before the backoff", answered)
			}
		})
	}
}

func doorNamed(t *testing.T, name string) door {
	for _, d := range doors {
		if d.name == name {
			return d
		}
	}
	t.Fatalf("no door %q", name)
	return door{}
}

// concurrentLogins sends n correct directus logins of one account at once,
// each from its own address (several devices), and counts the statuses.
func concurrentLogins(t *testing.T, x *mx, n int) map[int]int {
	body, _ := json.Marshal(map[string]any{"email": dmAnn, "password": goodPassword})
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("POST", "/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			<-start
			res, err := x.e.App.Test(req, -1)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// TestWhyConcurrentCorrectLogins: correct logins never start a backoff,
// however many arrive at once: 10 at once are 10 × 200, 32 at once get no
// 429.
func TestWhyConcurrentCorrectLogins(t *testing.T) {
	for _, n := range []int{10, 32} {
		x := newMX(t, 0)
		codes := concurrentLogins(t, x, n)
		t.Logf("%d concurrent correct logins to one account: %v", n, codes)
		if codes[http.StatusOK] != n {
			t.Errorf("%d concurrent correct logins: %v, want %d × 200", n, codes, n)
		}
	}
}

// TestWhyKnownClientSignsInUnderAttack: while another IP sends 200 wrong
// passwords to ann's account (which locks it for strangers), a client that
// signed in before signs in with its next request: the API client from
// the same IP, the browser with the same device cookie from a new IP.
func TestWhyKnownClientSignsInUnderAttack(t *testing.T) {
	x := newMX(t, 0)
	door := doorNamed(t, "directus and openapi login")
	api := x.client("198.51.100.7")
	succeeded(t, door, door.try(x, api, dmAnn, true), "the API client's first sign-in")
	b := x.w.browser()
	b.headers["X-Forwarded-For"] = "198.51.100.8"
	b.mustLogin(dmAnn, goodPassword)
	b.submit("/account", "/logout", nil)

	attacker := x.client("203.0.113.66")
	refused := 0
	for range 200 {
		a := door.try(x, attacker, dmAnn, false)
		if a.status == http.StatusTooManyRequests {
			refused++
		}
	}
	stranger := door.try(x, x.client("198.51.100.99"), dmAnn, true)
	limited(t, door, stranger, "a stranger with the right password during the attack")
	t.Logf("attack: 200 wrong passwords from one IP, %d answered 429", refused)

	succeeded(t, door, door.try(x, api, dmAnn, true), "the API client that signed in before, same IP")
	b.headers["X-Forwarded-For"] = "198.51.100.200" // the same browser, elsewhere
	b.mustLogin(dmAnn, goodPassword)
}

// TestWhyResetClearsLockout: a completed password reset ends the lockout
// that an attacker caused: the new password signs in at once, from anywhere.
func TestWhyResetClearsLockout(t *testing.T) {
	x := newMX(t, 0)
	door := doorNamed(t, "directus and openapi login")
	y := x.client("203.0.113.66")
	for range 10 {
		door.try(x, y, dmAnn, false)
	}
	limited(t, door, door.try(x, x.client("198.51.100.7"), dmAnn, true), "the right password while locked")
	token, _ := x.resetToken(dmAnn, auth.ResetLink)
	r := x.client("198.51.100.8").b.submit("/reset-password?token="+url.QueryEscape(token), "/reset-password",
		url.Values{"token": {token}, "password": {dmNewPassword}, "confirm": {dmNewPassword}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d %.300s", r.StatusCode, r.body)
	}
	a := x.api(x.client("198.51.100.9"), "POST", "/auth/login", map[string]any{"email": dmAnn, "password": dmNewPassword})
	if a.status != http.StatusOK {
		t.Fatalf("the new password right after the reset: %s", a)
	}
}

// TestWhyNewPasswordDiffers: no reset or change door accepts the current
// password as the new one.
func TestWhyNewPasswordDiffers(t *testing.T) {
	same := goodPassword
	cases := map[string]func(x *mx, c *client) answer{
		"page change password": func(x *mx, c *client) answer {
			r := x.signIn(c, dmAnn).submit("/account", "/account/password", url.Values{"current_password": {goodPassword},
				"new_password": {same}, "confirm_password": {same}})
			return answer{r.StatusCode, r.Header, r.body}
		},
		"kuroco reset_password": func(x *mx, c *client) answer {
			return x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": dmAnn,
				"current_password": goodPassword, "new_password": same}, "X-RCMS-API-ACCESS-TOKEN", x.token(c, dmAnn))
		},
		"wme change-password": func(x *mx, c *client) answer {
			return x.api(c, "POST", "/v1/change-password", map[string]any{"access_token": x.token(c, dmAnn),
				"previous_password": goodPassword, "proposed_password": same})
		},
		"page reset password": func(x *mx, c *client) answer {
			tok, _ := x.resetToken(dmAnn, auth.ResetLink)
			return x.page(c, "/login", "/reset-password", url.Values{"token": {tok}, "password": {same}, "confirm": {same}})
		},
		"openapi reset-password": func(x *mx, c *client) answer {
			tok, _ := x.resetToken(dmAnn, auth.ResetLink)
			return x.api(c, "POST", "/auth/reset-password?token="+url.QueryEscape(tok), map[string]any{"password": same})
		},
		"directus password reset": func(x *mx, c *client) answer {
			tok, _ := x.resetToken(dmAnn, auth.ResetLink)
			return x.api(c, "POST", "/auth/password/reset", map[string]any{"token": tok, "password": same})
		},
		"GraphQL auth_password_reset": func(x *mx, c *client) answer {
			tok, _ := x.resetToken(dmAnn, auth.ResetLink)
			a := gql(x, c, fmt.Sprintf(`mutation { auth_password_reset(token: %q, password: %q) }`, tok, same))
			if !gqlOK(a) {
				a.status = http.StatusBadRequest // GraphQL errors travel with 200
			}
			return a
		},
		"kuroco reminder step 2": func(x *mx, c *client) answer {
			tok, temp := x.resetToken(dmAnn, auth.ResetLinkTempPassword)
			return x.api(c, "POST", "/rcms-api/1/reminder", map[string]any{"token": tok, "temp_pwd": temp, "login_pwd": same})
		},
		"wme forgot-password-confirm": func(x *mx, c *client) answer {
			return x.api(c, "POST", "/v1/forgot-password-confirm", map[string]any{"username": dmAnn,
				"confirmation_code": x.resetCode(dmAnn), "password": same})
		},
	}
	for name, try := range cases {
		t.Run(name, func(t *testing.T) {
			x := newMX(t, 0)
			c := x.client("198.51.100.7")
			owner := x.token(x.client("198.51.100.8"), dmAnn)
			a := try(x, c)
			if a.status < 400 || a.status >= 500 || !strings.Contains(strings.ToLower(a.body), "different") {
				t.Fatalf("the current password as the new one: %s, want a refusal saying it must differ", a)
			}
			// Refused, so nothing happened: the owner's other session lives.
			if r := x.e.Do("POST", "/auth", nil, "Authorization", "Bearer "+owner); r.StatusCode != http.StatusOK {
				t.Fatalf("the owner was signed out: %d", r.StatusCode)
			}
		})
	}
}

// TestWhyDirectusRefreshKeepsItsPolicy: a directus refresh token presented
// at wme or kuroco rotates as directus's do (the old one replayed later is
// reuse: the family dies) and yields access tokens with directus's
// lifetime (15 minutes), not the presenting dialect's (a day, an hour).
func TestWhyDirectusRefreshKeepsItsPolicy(t *testing.T) {
	for _, at := range []string{"wme", "kuroco"} {
		t.Run(at, func(t *testing.T) {
			x := newMX(t, 0)
			c := x.client("198.51.100.7")
			login := x.api(c, "POST", "/auth/login", map[string]any{"email": dmAnn, "password": goodPassword})
			var d struct {
				Data struct {
					RefreshToken string `json:"refresh_token"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(login.body), &d); err != nil || d.Data.RefreshToken == "" {
				t.Fatalf("directus login: %s", login)
			}
			r0 := d.Data.RefreshToken
			var (
				a          answer
				access, r1 string
			)
			if at == "wme" {
				a = x.api(c, "POST", "/v1/token-refresh", map[string]any{"username": dmAnn, "refresh_token": r0})
				var w struct {
					AccessToken string `json:"access_token"`
				}
				_ = json.Unmarshal([]byte(a.body), &w)
				access = w.AccessToken
			} else {
				a = x.api(c, "POST", "/rcms-api/1/token", map[string]any{"refresh_token": r0})
				var k struct {
					AccessToken  struct{ Value string } `json:"access_token"`
					RefreshToken *struct {
						Value string
					} `json:"refresh_token"`
				}
				_ = json.Unmarshal([]byte(a.body), &k)
				access = k.AccessToken.Value
				if k.RefreshToken == nil || k.RefreshToken.Value == "" || k.RefreshToken.Value == r0 {
					t.Fatalf("kuroco did not hand out the rotated refresh token: %s", a)
				}
				r1 = k.RefreshToken.Value
			}
			if a.status != http.StatusOK || access == "" {
				t.Fatalf("refresh at %s: %s", at, a)
			}
			welcome := func() int {
				return x.e.Do("POST", "/auth", nil, "Authorization", "Bearer "+access).StatusCode
			}
			if st := welcome(); st != http.StatusOK {
				t.Fatalf("the new access token: %d", st)
			}
			x.e.Clock.Advance(16 * time.Minute)
			if st := welcome(); st != http.StatusUnauthorized {
				t.Errorf("the access token 16 minutes later: %d, want 401 (directus's 15 minutes)", st)
			}
			// The old refresh token was rotated: replayed now, it is reuse
			// (directus answers 403 INVALID_TOKEN), and the family dies.
			if a := x.api(c, "POST", "/auth/refresh", map[string]any{"refresh_token": r0, "mode": "json"}); a.status < 400 || a.status >= 500 {
				t.Errorf("the rotated refresh token replayed: %s, want a refusal", a)
			}
			if r1 != "" {
				if a := x.api(c, "POST", "/rcms-api/1/token", map[string]any{"refresh_token": r1}); a.status != http.StatusUnauthorized {
					t.Errorf("the successor after a reuse: %s, want 401", a)
				}
			}
		})
	}
}
