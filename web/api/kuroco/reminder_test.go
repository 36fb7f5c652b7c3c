package kuroco_test

import (
	"strings"
	"testing"

	"gatehouse/web/api/apitest"
)

// TestReminderBadInput (docs/contract.md §2): reminder: a missing or mistyped
// email, the two steps mixed or partial get a 4xx kuroco envelope whose message
// names the problem — never a 500.
func TestReminderBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("reminder empty", "POST", "reminder", `{}`, nil, 400, `"email" is required`, "email"),
		badInput("reminder email number", "POST", "reminder", `{"email":1}`, nil, 400, `"email" must be a string`, "email"),
		badInput("reminder mixed", "POST", "reminder", `{"email":"a@b.c","token":"x"}`, nil, 400, "alone", "email"),
		badInput("reminder step 2 partial", "POST", "reminder", `{"token":"x","temp_pwd":"y"}`, nil, 400, `"login_pwd" is required`, "login_pwd"),
	} {
		s.Run(t, e.App)
	}
}

// TestReminder: step 1 mails a link with a token and a temporary password
// (over SMTP), and answers the same for unknown emails; step 2 needs both
// and sets the new password, after which the old one fails.
func TestReminder(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	tokens := login(t, e, "ann@example.com", annPassword)

	unknown := call(t, e, "POST", "reminder", map[string]any{"email": "nobody@example.com"})
	known := call(t, e, "POST", "reminder", map[string]any{"email": "ANN@example.com"})
	if unknown.StatusCode != 200 || string(normalize(t, unknown)) != string(normalize(t, known)) {
		t.Fatalf("reminder answers differ:\n%s\n%s", unknown.Body, known.Body)
	}
	msgs := e.SMTP.WaitFor(t, 1, 10e9)
	if len(msgs) != 1 || msgs[0].To[0] != "ann@example.com" {
		t.Fatalf("mails: %d, to %v", len(msgs), msgs[0].To)
	}
	token, temp := reminderMail(t, e, 1)

	bad := []struct {
		name string
		body map[string]any
		want int
	}{
		{"wrong temp_pwd", map[string]any{"token": token, "temp_pwd": temp + "x", "login_pwd": "a new horse battery"}, 401},
		{"wrong token", map[string]any{"token": token + "x", "temp_pwd": temp, "login_pwd": "a new horse battery"}, 401},
		{"missing temp_pwd", map[string]any{"token": token, "login_pwd": "a new horse battery"}, 400},
		{"weak login_pwd", map[string]any{"token": token, "temp_pwd": temp, "login_pwd": "short"}, 400},
	}
	for _, b := range bad {
		if r := call(t, e, "POST", "reminder", b.body); r.StatusCode != b.want {
			t.Errorf("%s: %d %s", b.name, r.StatusCode, r.Body)
		}
	}

	r := call(t, e, "POST", "reminder", map[string]any{"token": token, "temp_pwd": temp, "login_pwd": "a new horse battery"})
	if r.StatusCode != 200 || !strings.Contains(string(r.Body), "Password changed.") {
		t.Fatalf("step 2: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "POST", "reminder", map[string]any{"token": token, "temp_pwd": temp, "login_pwd": "another horse battery"}); r.StatusCode != 401 {
		t.Fatalf("step 2 twice: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tokenOf(tokens, "access_token")); r.StatusCode != 401 {
		t.Fatalf("the old session survived the reset: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": annPassword}); r.StatusCode != 401 {
		t.Fatalf("old password still works: %d %s", r.StatusCode, r.Body)
	}
	login(t, e, "ann@example.com", "a new horse battery")
}
