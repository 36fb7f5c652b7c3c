package kuroco_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

// TestEndToEnd runs login → token → profile → refresh → profile → logout,
// after which both access tokens and the refresh token are dead.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	ann := e.CreateMember("Ann@Example.com", annPassword)

	tokens := login(t, e, "ann@example.COM", annPassword)
	access, refresh := tokenOf(tokens, "access_token"), tokenOf(tokens, "refresh_token")
	if access == "" || refresh == "" || access == refresh {
		t.Fatalf("token response: %v", tokens)
	}

	r := call(t, e, "GET", "profile", nil, "Authorization", "Bearer "+access)
	if r.StatusCode != 200 || r.JSON()["member_id"] != float64(ann.ID) || r.JSON()["email"] != "Ann@Example.com" {
		t.Fatalf("profile: %d %s", r.StatusCode, r.Body)
	}

	r = call(t, e, "POST", "token", map[string]any{"refresh_token": refresh})
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	if _, ok := r.JSON()["refresh_token"]; ok {
		t.Fatalf("kuroco refresh must not return a refresh token: %s", r.Body)
	}
	access2 := tokenOf(r.JSON(), "access_token")
	if access2 == "" || access2 == access {
		t.Fatalf("refresh returned access token %q", access2)
	}
	// Not rotated: the same refresh token works again.
	if r := call(t, e, "POST", "token", map[string]any{"refresh_token": refresh}); r.StatusCode != 200 {
		t.Fatalf("second refresh with the same token: %d %s", r.StatusCode, r.Body)
	}

	for _, tok := range []string{access, access2} {
		if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tok); r.StatusCode != 200 {
			t.Fatalf("profile before logout: %d %s", r.StatusCode, r.Body)
		}
	}

	r = call(t, e, "POST", "logout", map[string]any{}, "X-RCMS-API-ACCESS-TOKEN", access2)
	if r.StatusCode != 200 || !strings.Contains(string(r.Body), "Logged out.") {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	for _, tok := range []string{access, access2} {
		if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tok); r.StatusCode != 401 {
			t.Fatalf("profile after logout: %d %s", r.StatusCode, r.Body)
		}
	}
	if r := call(t, e, "POST", "token", map[string]any{"refresh_token": refresh}); r.StatusCode != 401 {
		t.Fatalf("refresh after logout: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "POST", "logout", nil, "X-RCMS-API-ACCESS-TOKEN", access2); r.StatusCode != 401 {
		t.Fatalf("second logout: %d %s", r.StatusCode, r.Body)
	}
}

// TestTokensWorkOnAnyAPIID: every api_id shares the one member base and
// every carrier of docs/contract.md §1 is accepted.
func TestTokensWorkOnAnyAPIID(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	r := e.Do("POST", "/rcms-api/7/login", map[string]any{"email": "ann@example.com", "password": annPassword})
	checkEnvelope(t, r)
	r = e.Do("POST", "/rcms-api/42/token", map[string]any{"grant_token": r.JSON()["grant_token"]})
	checkEnvelope(t, r)
	access := tokenOf(r.JSON(), "access_token")
	for _, h := range [][]string{
		{"Authorization", "Bearer " + access},
		{"X-RCMS-API-ACCESS-TOKEN", access},
		{"Cookie", "rcms_api_access_token=" + access},
	} {
		r := e.Do("GET", "/rcms-api/3/profile", nil, h...)
		checkEnvelope(t, r)
		if r.StatusCode != 200 {
			t.Errorf("profile with %s: %d %s", h[0], r.StatusCode, r.Body)
		}
	}
	r = e.Do("GET", "/rcms-api/3/profile?access_token="+access, nil, "X-RCMS-API-ACCESS-TOKEN", access)
	checkEnvelope(t, r)
	if r.StatusCode != 400 {
		t.Errorf("token in the query and a header: %d %s", r.StatusCode, r.Body)
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

type testResponse struct {
	status int
	header http.Header
	body   string
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
