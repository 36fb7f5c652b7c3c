package kuroco_test

import (
	"strconv"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// TestTokenBadInput (docs/contract.md §2): token: a body that is no object,
// mistyped or conflicting tokens, bogus tokens get a 4xx kuroco envelope whose
// message names the problem — never a 500.
func TestTokenBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("string body", "POST", "token", `"grant"`, nil, 400, "must be a JSON object", ""),
		badInput("grant_token number", "POST", "token", `{"grant_token": 5}`, nil, 400, `"grant_token" must be a string`, "grant_token"),
		badInput("two tokens", "POST", "token", `{"grant_token":"a","refresh_token":"b"}`, nil, 400, "not both", ""),
		badInput("bogus grant", "POST", "token", `{"grant_token":"abc"}`, nil, 401, "Invalid token", ""),
		badInput("bogus refresh", "POST", "token", `{"refresh_token":"abc"}`, nil, 401, "", ""),
	} {
		s.Run(t, e.App)
	}
}

// TestAnonymousTokenIsNotAMember: {} gives an access token that no
// member-only route accepts.
func TestAnonymousTokenIsNotAMember(t *testing.T) {
	e := newEnv(t)
	r := call(t, e, "POST", "token", map[string]any{})
	anon := tokenOf(r.JSON(), "access_token")
	if r.StatusCode != 200 || anon == "" {
		t.Fatalf("anonymous token: %d %s", r.StatusCode, r.Body)
	}
	if _, ok := r.JSON()["refresh_token"]; ok {
		t.Fatalf("anonymous token response has a refresh token: %s", r.Body)
	}
	if len(r.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("anonymous token set a cookie: %v", r.Header.Values("Set-Cookie"))
	}
	for _, op := range []string{"profile", "file_access_token"} {
		if r := call(t, e, "GET", op, nil, "X-RCMS-API-ACCESS-TOKEN", anon); r.StatusCode != 401 {
			t.Errorf("%s with an anonymous token: %d %s", op, r.StatusCode, r.Body)
		}
	}
	if r := call(t, e, "POST", "logout", nil, "X-RCMS-API-ACCESS-TOKEN", anon); r.StatusCode != 401 {
		t.Errorf("logout with an anonymous token: %d %s", r.StatusCode, r.Body)
	}
}

// TestTokenEmptyKeysAbsent: clients send both grant_token and refresh_token
// with one of them empty; the empty one counts as absent (both empty or
// null: the anonymous token of {}).
func TestTokenEmptyKeysAbsent(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	r := call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": annPassword})
	grant, _ := r.JSON()["grant_token"].(string)
	if grant == "" {
		t.Fatalf("login: %d %s", r.StatusCode, r.Body)
	}
	r = call(t, e, "POST", "token", map[string]any{"grant_token": grant, "refresh_token": ""})
	refresh := tokenOf(r.JSON(), "refresh_token")
	if r.StatusCode != 200 || refresh == "" {
		t.Fatalf("grant with an empty refresh_token: %d %s", r.StatusCode, r.Body)
	}
	r = call(t, e, "POST", "token", map[string]any{"grant_token": "", "refresh_token": refresh})
	if _, ok := r.JSON()["refresh_token"]; r.StatusCode != 200 || ok || tokenOf(r.JSON(), "access_token") == "" {
		t.Fatalf("refresh with an empty grant_token: %d %s", r.StatusCode, r.Body)
	}
	for _, body := range []map[string]any{{"grant_token": "", "refresh_token": ""}, {"grant_token": nil, "refresh_token": " "}} {
		r = call(t, e, "POST", "token", body)
		access := tokenOf(r.JSON(), "access_token")
		if r.StatusCode != 200 || access == "" {
			t.Fatalf("%v: %d %s", body, r.StatusCode, r.Body)
		}
		if p := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", access); p.StatusCode != 401 {
			t.Fatalf("%v gave a member token: %d", body, p.StatusCode)
		}
	}
}

// TestAnonymousTokenFlood: a flood of {} at token from one client creates
// at most the allowance of anonymous tokens; the rest answer 429 in the
// kuroco envelope with Retry-After, and write nothing.
func TestAnonymousTokenFlood(t *testing.T) {
	e := testenv.New(t, testenv.Options{Auth: auth.Config{AnonymousTokenLimit: 10}})
	issued, limited := 0, 0
	for range 60 {
		r := call(t, e, "POST", "token", `{}`)
		switch r.StatusCode {
		case 200:
			issued++
		case 429:
			limited++
			errs, _ := r.JSON()["errors"].([]any)
			first, _ := errs[0].(map[string]any)
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if first["code"] != auth.ERATELIMIT || err != nil || secs < 1 || secs > 60 {
				t.Fatalf("429 %s with Retry-After %q", r.Body, r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
	}
	if issued != 10 || limited != 50 {
		t.Fatalf("%d issued, %d limited; want 10 and 50", issued, limited)
	}
	if n := e.Rows("credentials")["credentials"]; n != 10 {
		t.Fatalf("%d credential rows after the flood, want 10", n)
	}
}
