package kuroco_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
)

// TestGolden walks every kuroco operation with the seed's documented
// requests and compares each response with its golden file.
func TestGolden(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)

	r := call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": annPassword, "login_save": 0})
	golden(t, "login_challenge", r)
	grant := r.JSON()["grant_token"]

	r = call(t, e, "POST", "token", map[string]any{"grant_token": grant})
	golden(t, "token_grant", r)
	tokens := r.JSON()
	access, refresh := tokenOf(tokens, "access_token"), tokenOf(tokens, "refresh_token")

	golden(t, "token_grant_reused", call(t, e, "POST", "token", map[string]any{"grant_token": grant}))
	golden(t, "token_refresh", call(t, e, "POST", "token", map[string]any{"refresh_token": refresh}))
	golden(t, "token_anonymous", call(t, e, "POST", "token", "{\n\n}"))
	golden(t, "file_access_token", call(t, e, "GET", "file_access_token", nil, "X-RCMS-API-ACCESS-TOKEN", access))
	golden(t, "alias_login_forbidden", call(t, e, "POST", "alias_login", `{"aliaslogin_id": 2}`, "X-RCMS-API-ACCESS-TOKEN", access))
	golden(t, "profile", call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", access))
	golden(t, "logout", call(t, e, "POST", "logout", "{\n\n}", "X-RCMS-API-ACCESS-TOKEN", access))
	golden(t, "profile_after_logout", call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", access))

	golden(t, "login_invalid", call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": "wrong password"}))
	golden(t, "unknown_route", call(t, e, "GET", "no_such_op", nil))
	golden(t, "login_missing_password", call(t, e, "POST", "login", `{"email":"ann@example.com"}`))

	golden(t, "reminder_request", call(t, e, "POST", "reminder", `{"email": "ann@example.com"}`))
	token, temp := reminderMail(t, e, 1)
	golden(t, "reminder_change", call(t, e, "POST", "reminder", map[string]any{"token": token, "temp_pwd": temp, "login_pwd": "a new horse battery"}))

	golden(t, "reset_password", call(t, e, "POST", "reset_password", map[string]any{
		"login_id": "ann@example.com", "current_password": "a new horse battery", "new_password": annPassword}))
}

// reminderMail waits for the n-th mail, a reminder, and returns the token of
// its reset link and its temporary password.
func reminderMail(t *testing.T, e *testenv.Env, n int) (token, temp string) {
	t.Helper()
	msgs := e.SMTP.WaitFor(t, n, 10*time.Second)
	msg := msgs[n-1]
	link := smtptest.LinkIn(msg, e.BaseURL+"/reset-password?token=")
	if link == "" {
		t.Fatalf("no reset link in the reminder mail:\n%s", msg.Data)
	}
	token = strings.TrimPrefix(link, e.BaseURL+"/reset-password?token=")
	text, _ := smtptest.Bodies(msg)
	_, after, ok := strings.Cut(text, "Your temporary password: ")
	if !ok {
		t.Fatalf("no temporary password in the reminder mail:\n%s", text)
	}
	temp = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	if token == "" || temp == "" {
		t.Fatalf("token %q, temporary password %q", token, temp)
	}
	return token, temp
}
