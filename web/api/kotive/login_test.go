package kotive_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// seedLoginExample is the example response of seed 002 "Login", verbatim.
const seedLoginExample = `{
  "authToken": "3e2dfoxa58c243arabbitc17b9bb1bf7",
  "systemRoles": [{"id": 1, "label": "Account Owner"}, {"id": 2, "label": "User Administrator"}, {"id": 3, "label": "Maker"}],
  "userRoles": [{"userId": 14, "role": {"id": 1, "label": "Account Owner"}, "groupId": 25},
    {"userId": 14, "role": {"id": 2, "label": "User Administrator"}, "groupId": 25},
    {"userId": 14, "role": {"id": 3, "label": "Maker"}, "groupId": 25}],
  "groupsIndex": [{"id": 24, "parentId": 1}, {"id": 24, "parentId": 245}],
  "user": {"email": "example@example.com", "username": "example@example.com", "firstname": "John",
    "lastname": "Doe", "id": 14, "mobile": "", "password": "****"}
}`

func TestLoginGolden(t *testing.T) {
	e := newEnv(t)
	seedMember(t, e)
	r := e.Do("GET", "/api/login", nil, "Authorization", basic("example@example.com", password))
	tok, _ := r.JSON()["authToken"].(string)
	if !authTokenRE.MatchString(tok) {
		t.Fatalf("status %d, authToken %q is not 32 lowercase hex: %s", r.StatusCode, tok, r.Body)
	}
	golden(t, "login", r, map[string]string{tok: "<authToken>"})

	// The data behind the shape: all three system roles, the member's roles
	// per group, and each group with its parent (an integer as in the seed:
	// 0 for the root, which has none).
	var got struct {
		SystemRoles []struct {
			ID    int64
			Label string
		}
		UserRoles []struct {
			UserID  int64 `json:"userId"`
			GroupID int64 `json:"groupId"`
			Role    struct{ ID int64 }
		}
		GroupsIndex []struct {
			ID       int64
			ParentID *int64 `json:"parentId"`
		}
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.SystemRoles) != 3 || got.SystemRoles[2].Label != "Maker" || len(got.UserRoles) != 4 || len(got.GroupsIndex) != 2 {
		t.Fatalf("unexpected data: %s", r.Body)
	}
	if g := got.GroupsIndex; g[0].ID != 1 || g[0].ParentID == nil || *g[0].ParentID != 0 || g[1].ID != 25 || g[1].ParentID == nil || *g[1].ParentID != 24 {
		t.Fatalf("groupsIndex: %s", r.Body)
	}
}

// TestSeedRequests sends every request of seed 002 as written and checks
// the documented shape.
func TestSeedRequests(t *testing.T) {
	e := newEnv(t)
	seedMember(t, e)
	var seed any
	if err := json.Unmarshal([]byte(seedLoginExample), &seed); err != nil {
		t.Fatal(err)
	}
	want := shape(seed)

	// curl -u username:password 'https://webapp.kotive.com/api/login'
	r1 := e.Do("GET", "/api/login", nil, "Authorization", basic("example@example.com", password))
	// curl 'https://webapp.kotive.com/api/login' -H 'Authorization: Basic <login details>'
	r2 := e.Do("GET", "/api/login", nil, "Authorization", "Basic "+strings.TrimPrefix(basic("example@example.com", password), "Basic "))
	// The authToken replaces the password: -u username:authToken.
	tok, _ := r1.JSON()["authToken"].(string)
	r3 := e.Do("GET", "/api/login", nil, "Authorization", basic("example@example.com", tok))
	for i, r := range []*testenv.Response{r1, r2, r3} {
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("login %d: status %d %q: %s", i+1, r.StatusCode, r.Header.Get("Content-Type"), r.Body)
		}
		var v any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatal(err)
		}
		if d := sameShape("$", shape(v), want); d != "" {
			t.Errorf("login %d: shape differs from the seed at %s: %s", i+1, d, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("login %d: Cache-Control %q", i+1, r.Header.Get("Cache-Control"))
		}
		if u, _ := r.JSON()["user"].(map[string]any); u["password"] != "****" {
			t.Errorf("login %d: user.password = %v", i+1, u["password"])
		}
	}

	// curl .../api/user/resetpassword -X POST -H "Content-Type: application/json" -d '{"email": "example@example.com"}'
	r := e.Do("POST", "/api/user/resetpassword", `{"email": "example@example.com"}`, "Content-Type", "application/json")
	if r.StatusCode != 200 || string(r.Body) != "OK" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("resetpassword: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Body)
	}
}

func expectUnauthorized(t *testing.T, name string, r *testenv.Response) {
	t.Helper()
	if r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") != `Basic realm="Gatehouse"` {
		t.Fatalf("%s: status %d, WWW-Authenticate %q: %s", name, r.StatusCode, r.Header.Get("WWW-Authenticate"), r.Body)
	}
	if msg, _ := r.JSON()["message"].(string); msg == "" {
		t.Fatalf("%s: no message: %s", name, r.Body)
	}
}

// TestFailedLoginsLookTheSame is docs/security.md B5: unknown user, wrong
// password, suspended account, missing or malformed credentials and a wrong
// authToken get the same status, headers and body.
func TestFailedLoginsLookTheSame(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", password)
	sus := e.CreateMember("sus@example.com", password)
	sus.Status = auth.StatusSuspended
	ctx := context.Background()
	if err := e.Store.Update(ctx, func(tx auth.Tx) error { return tx.UpdateMember(ctx, sus) }); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"unknown user":     basic("nobody@example.com", password),
		"wrong password":   basic("ann@example.com", "wrong horse battery staple"),
		"suspended":        basic("sus@example.com", password),
		"wrong authToken":  basic("ann@example.com", strings.Repeat("a", 32)),
		"missing":          "",
		"not base64":       "Basic %%%",
		"no colon":         "Basic " + "YW5u",
		"empty password":   basic("ann@example.com", ""),
		"bearer not token": "Bearer " + strings.Repeat("b", 32),
	}
	var first *testenv.Response
	var firstName string
	for name, authz := range cases {
		for _, method := range []string{"GET", "POST"} {
			r := e.Do(method, "/api/login", nil, "Authorization", authz)
			expectUnauthorized(t, name, r)
			if first == nil {
				first, firstName = r, name
				golden(t, "unauthorized", r, nil)
				continue
			}
			if string(r.Body) != string(first.Body) {
				t.Errorf("%s: body %s differs from %s: %s", name, r.Body, firstName, first.Body)
			}
			if d := headerDiff(r.Header, first.Header); d != "" {
				t.Errorf("%s: headers differ from %s: %s", name, firstName, d)
			}
		}
	}

	// Lockout (if any) treats a known and an unknown account alike.
	seq := func(user string) string {
		e := newEnv(t)
		e.CreateMember("ann@example.com", password)
		var out []string
		for i := 0; i < 12; i++ {
			out = append(out, strconv.Itoa(e.Do("GET", "/api/login", nil, "Authorization", basic(user, "wrong horse battery")).StatusCode))
		}
		return strings.Join(out, " ")
	}
	known, unknown := seq("ann@example.com"), seq("nobody@example.com")
	t.Logf("status sequence of 12 failures: %s", known)
	if known != unknown {
		t.Errorf("status sequences differ: known %s, unknown %s", known, unknown)
	}
}

// headerDiff compares two header sets, ignoring the per-request id and date.
func headerDiff(a, b http.Header) string {
	skip := map[string]bool{"X-Request-Id": true, "Date": true}
	for k := range a {
		if !skip[k] && strings.Join(a[k], ",") != strings.Join(b[k], ",") {
			return k + ": " + strings.Join(a[k], ",") + " vs " + strings.Join(b[k], ",")
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			return k + " missing"
		}
	}
	return ""
}

// TestLoginNewPasswordRequired: a member with a temporary password gets a
// 403 saying a new password must be set, and no authToken; a wrong password
// still gets the ordinary 401.
func TestLoginNewPasswordRequired(t *testing.T) {
	e := newEnv(t)
	_, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: "tmp@example.com", Password: password, Temporary: true})
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("GET", "/api/login", nil, "Authorization", basic("tmp@example.com", password))
	golden(t, "login_new_password", r, nil)
	if r.StatusCode != 403 || !strings.Contains(r.JSON()["message"].(string), "new password must be set") || r.JSON()["authToken"] != nil {
		t.Fatalf("status %d: %s", r.StatusCode, r.Body)
	}
	expectUnauthorized(t, "wrong temporary password", e.Do("GET", "/api/login", nil, "Authorization", basic("tmp@example.com", "nope nope nope")))
}

// TestAuthTokenIdle: the authToken lives until 12 h of inactivity.
func TestAuthTokenIdle(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", password)
	tok := mustLogin(t, e, "ann@example.com", password)
	for i := 0; i < 3; i++ { // 33 h in use, never 12 h idle
		e.Clock.Advance(11 * time.Hour)
		if again := mustLogin(t, e, "ann@example.com", tok); again != tok {
			t.Fatalf("after %d h: another token", 11*(i+1))
		}
	}
	e.Clock.Advance(12*time.Hour + time.Minute)
	expectUnauthorized(t, "idle token", e.Do("GET", "/api/login", nil, "Authorization", basic("ann@example.com", tok)))
}

// TestLoginNames: firstname and lastname are the member's first and last
// names; a member who gave only a full name has it split (first word, the
// rest).
func TestLoginNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, c := range []struct {
		in          auth.CreateMemberInput
		first, last string
	}{
		{auth.CreateMemberInput{Email: "grace@example.com", Name: "Grace Brewster  Hopper"}, "Grace", "Brewster Hopper"},
		{auth.CreateMemberInput{Email: "ada@example.com", Name: "Countess of Lovelace", FirstName: "Ada", LastName: "King"}, "Ada", "King"},
		{auth.CreateMemberInput{Email: "prince@example.com", Name: "Prince"}, "Prince", ""},
	} {
		c.in.Password = password
		if _, err := e.Svc.CreateMember(ctx, c.in); err != nil {
			t.Fatal(err)
		}
		r := e.Do("GET", "/api/login", nil, "Authorization", basic(c.in.Email, password))
		u, _ := r.JSON()["user"].(map[string]any)
		if u["firstname"] != c.first || u["lastname"] != c.last {
			t.Errorf("%s: %s", c.in.Email, r.Body)
		}
	}
}
