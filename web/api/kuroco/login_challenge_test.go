package kuroco_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/web/api/apitest"
)

// TestLoginChallengeBadInput (docs/contract.md §2): login_challenge: wrong
// content types, malformed JSON, mistyped or missing fields get a 4xx kuroco
// envelope whose message names the problem — never a 500.
func TestLoginChallengeBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("form body", "POST", "login", "email=a&password=b", formBody, 415, "Content-Type must be application/json", ""),
		badInput("text/plain body", "POST", "login", `{"email":"a","password":"b"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type must be application/json", ""),
		badInput("malformed JSON", "POST", "login", `{"email": "ann@example.com",`, nil, 400, "Malformed JSON", ""),
		badInput("trailing data", "POST", "login", `{"email":"a","password":"b"} {}`, nil, 400, "Unexpected data", ""),
		badInput("array body", "POST", "login", `[1,2]`, nil, 400, "must be a JSON object", ""),
		badInput("email number", "POST", "login", `{"email": 12, "password": "x"}`, nil, 400, `"email" must be a string`, "email"),
		badInput("login_save word", "POST", "login", `{"email":"a@b.c","password":"x","login_save":"yes"}`, nil, 400, `"login_save" must be a number`, "login_save"),
		badInput("login_save 2", "POST", "login", `{"email":"a@b.c","password":"x","login_save":2}`, nil, 400, `"login_save"`, "login_save"),
		badInput("missing email", "POST", "login", `{"password":"x"}`, nil, 400, `"email" is required`, "email"),
	} {
		s.Run(t, e.App)
	}
}

// TestFailedLoginsIdentical (docs/security.md B5): an unknown account, a wrong
// password and a suspended member get the same status, headers (apart from
// the request id) and body (after normalising the request id).
func TestFailedLoginsIdentical(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	sue := e.CreateMember("sue@example.com", annPassword)
	ctx := context.Background()
	err := e.Store.Update(ctx, func(tx auth.Tx) error {
		m, err := tx.MemberByID(ctx, sue.ID)
		if err != nil {
			return err
		}
		m.Status = auth.StatusSuspended
		return tx.UpdateMember(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	attempts := []map[string]any{
		{"email": "nobody@example.com", "password": annPassword, "login_save": 0},
		{"email": "ann@example.com", "password": "not the password", "login_save": 0},
		{"email": "sue@example.com", "password": annPassword, "login_save": 0},
	}
	var first *testResponse
	for i, a := range attempts {
		r := call(t, e, "POST", "login", a)
		got := &testResponse{status: r.StatusCode, header: r.Header.Clone(), body: string(normalize(t, r))}
		got.header.Del("x-rcms-request-id")
		got.header.Del("Date")
		got.header.Del("X-Request-Id")
		if r.StatusCode != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.StatusCode, r.Body)
		}
		if first == nil {
			first = got
			continue
		}
		if got.status != first.status || got.body != first.body || !sameHeader(got.header, first.header) {
			t.Errorf("attempt %d differs from attempt 0:\n%d %v %s\n%d %v %s", i,
				got.status, got.header, got.body, first.status, first.header, first.body)
		}
	}
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

// TestNewPasswordRequired: a member with a temporary password is refused
// (403) with a message that a new password must be set.
func TestNewPasswordRequired(t *testing.T) {
	e := newEnv(t)
	_, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: "tmp@example.com", Password: annPassword, Name: "Tmp", Temporary: true})
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, e, "POST", "login", map[string]any{"email": "tmp@example.com", "password": annPassword})
	if r.StatusCode != 403 || !strings.Contains(strings.ToLower(string(r.Body)), "new password") {
		t.Fatalf("temporary password login: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "POST", "login", map[string]any{"email": "tmp@example.com", "password": "wrong password"}); r.StatusCode != 401 {
		t.Fatalf("temporary member, wrong password: %d %s", r.StatusCode, r.Body)
	}
}
