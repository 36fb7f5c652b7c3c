package kuroco_test

import (
	"strings"
	"testing"

	"gatehouse/web/api/apitest"
)

// TestResetPasswordBadInput (docs/contract.md §2): reset_password: a mistyped
// login_id, a missing new_password get a 4xx kuroco envelope whose message
// names the problem — never a 500.
func TestResetPasswordBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("login_id bool", "POST", "reset_password", `{"login_id":true,"current_password":"a","new_password":"b"}`, nil, 400, `"login_id" must be a string`, "login_id"),
		badInput("login_id fraction", "POST", "reset_password", `{"login_id":1.5,"current_password":"a","new_password":"b"}`, nil, 400, `"login_id"`, "login_id"),
		badInput("new_password missing", "POST", "reset_password", `{"login_id":"1","current_password":"a"}`, nil, 400, `"new_password" is required`, "new_password"),
	} {
		s.Run(t, e.App)
	}
}

// TestResetPassword: login_id is a member id (string or number) or an
// email; a wrong current password is 401; other sessions end.
func TestResetPassword(t *testing.T) {
	e := newEnv(t)
	ann := e.CreateMember("ann@example.com", annPassword)
	tokens := login(t, e, "ann@example.com", annPassword)

	if r := call(t, e, "POST", "reset_password", map[string]any{"login_id": ann.ID, "current_password": "wrong one", "new_password": "a new horse battery"}); r.StatusCode != 401 {
		t.Fatalf("wrong current password: %d %s", r.StatusCode, r.Body)
	}
	r := call(t, e, "POST", "reset_password", map[string]any{"login_id": ann.ID, "current_password": annPassword, "new_password": "short"})
	if r.StatusCode != 400 || !strings.Contains(string(r.Body), `"field":"new_password"`) {
		t.Fatalf("weak new password: %d %s", r.StatusCode, r.Body)
	}
	steps := []struct {
		loginID  any
		from, to string
	}{
		{ann.ID, annPassword, "a new horse battery"},
		{"1", "a new horse battery", "another horse battery"},
		{"ANN@example.com", "another horse battery", annPassword},
	}
	for _, s := range steps {
		r := call(t, e, "POST", "reset_password", map[string]any{"login_id": s.loginID, "current_password": s.from, "new_password": s.to})
		if r.StatusCode != 200 || !strings.Contains(string(r.Body), "Password changed.") {
			t.Fatalf("login_id %v: %d %s", s.loginID, r.StatusCode, r.Body)
		}
	}
	if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tokenOf(tokens, "access_token")); r.StatusCode != 401 {
		t.Fatalf("the old session survived the password change: %d %s", r.StatusCode, r.Body)
	}
}
