package directus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

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
