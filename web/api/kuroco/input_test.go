package kuroco_test

import (
	"strings"
	"testing"
)

// TestBadInput: malformed bodies, wrong content types, mistyped or missing
// fields, unknown routes and bad api_ids all get a 4xx kuroco envelope
// whose message names the problem — never a 500.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	access := tokenOf(login(t, e, "ann@example.com", annPassword), "access_token")
	auth := []string{"X-RCMS-API-ACCESS-TOKEN", access}
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}

	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		want               int
		msg, field         string
	}{
		{"form body", "POST", "login", "email=a&password=b", form, 415, "Content-Type must be application/json", ""},
		{"text/plain body", "POST", "login", `{"email":"a","password":"b"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type must be application/json", ""},
		{"malformed JSON", "POST", "login", `{"email": "ann@example.com",`, nil, 400, "Malformed JSON", ""},
		{"trailing data", "POST", "login", `{"email":"a","password":"b"} {}`, nil, 400, "Unexpected data", ""},
		{"array body", "POST", "login", `[1,2]`, nil, 400, "must be a JSON object", ""},
		{"string body", "POST", "token", `"grant"`, nil, 400, "must be a JSON object", ""},
		{"email number", "POST", "login", `{"email": 12, "password": "x"}`, nil, 400, `"email" must be a string`, "email"},
		{"login_save word", "POST", "login", `{"email":"a@b.c","password":"x","login_save":"yes"}`, nil, 400, `"login_save" must be a number`, "login_save"},
		{"login_save 2", "POST", "login", `{"email":"a@b.c","password":"x","login_save":2}`, nil, 400, `"login_save"`, "login_save"},
		{"missing email", "POST", "login", `{"password":"x"}`, nil, 400, `"email" is required`, "email"},
		{"grant_token number", "POST", "token", `{"grant_token": 5}`, nil, 400, `"grant_token" must be a string`, "grant_token"},
		{"two tokens", "POST", "token", `{"grant_token":"a","refresh_token":"b"}`, nil, 400, "not both", ""},
		{"bogus grant", "POST", "token", `{"grant_token":"abc"}`, nil, 401, "Invalid token", ""},
		{"bogus refresh", "POST", "token", `{"refresh_token":"abc"}`, nil, 401, "", ""},
		{"aliaslogin_id word", "POST", "alias_login", `{"aliaslogin_id":"two"}`, auth, 400, `"aliaslogin_id" must be a number`, "aliaslogin_id"},
		{"aliaslogin_id object", "POST", "alias_login", `{"aliaslogin_id":{}}`, auth, 400, `"aliaslogin_id" must be a number, not object`, "aliaslogin_id"},
		{"aliaslogin_id missing", "POST", "alias_login", `{}`, auth, 400, `"aliaslogin_id" is required`, "aliaslogin_id"},
		{"aliaslogin_id zero", "POST", "alias_login", `{"aliaslogin_id":0}`, auth, 400, "positive", "aliaslogin_id"},
		{"alias_login unauthenticated", "POST", "alias_login", `{"aliaslogin_id":2}`, nil, 401, "Authentication required", ""},
		{"login_id bool", "POST", "reset_password", `{"login_id":true,"current_password":"a","new_password":"b"}`, nil, 400, `"login_id" must be a string`, "login_id"},
		{"login_id fraction", "POST", "reset_password", `{"login_id":1.5,"current_password":"a","new_password":"b"}`, nil, 400, `"login_id"`, "login_id"},
		{"new_password missing", "POST", "reset_password", `{"login_id":"1","current_password":"a"}`, nil, 400, `"new_password" is required`, "new_password"},
		{"reminder empty", "POST", "reminder", `{}`, nil, 400, `"email" is required`, "email"},
		{"reminder email number", "POST", "reminder", `{"email":1}`, nil, 400, `"email" must be a string`, "email"},
		{"reminder mixed", "POST", "reminder", `{"email":"a@b.c","token":"x"}`, nil, 400, "alone", "email"},
		{"reminder step 2 partial", "POST", "reminder", `{"token":"x","temp_pwd":"y"}`, nil, 400, `"login_pwd" is required`, "login_pwd"},
		{"logout malformed", "POST", "logout", `{`, auth, 400, "Malformed JSON", ""},
		{"logout no token", "POST", "logout", `{}`, nil, 401, "Authentication required", ""},
		{"profile no token", "GET", "profile", nil, nil, 401, "Authentication required", ""},
		{"profile bad token", "GET", "profile", nil, []string{"Authorization", "Bearer nope"}, 401, "", ""},
		{"file token no token", "GET", "file_access_token", nil, nil, 401, "Authentication required", ""},
		{"unknown op", "POST", "nope", `{}`, nil, 404, "Unknown endpoint: POST /rcms-api/1/nope", ""},
		{"wrong method", "POST", "profile", `{}`, auth, 404, "Unknown endpoint: POST /rcms-api/1/profile", ""},
		{"wrong method login", "GET", "login", nil, nil, 404, "Unknown endpoint: GET /rcms-api/1/login", ""},
		{"deeper path", "GET", "profile/extra", nil, auth, 404, "Unknown endpoint", ""},
		{"api_id word", "POST", "/rcms-api/abc/login", `{}`, nil, 404, `Unknown API "abc"`, ""},
		{"api_id zero", "POST", "/rcms-api/0/login", `{}`, nil, 404, `Unknown API "0"`, ""},
		{"api_id negative", "GET", "/rcms-api/-1/profile", nil, auth, 404, `Unknown API "-1"`, ""},
		{"api_id plus", "GET", "/rcms-api/+1/profile", nil, auth, 404, `Unknown API "+1"`, ""},
		{"api_id huge", "GET", "/rcms-api/99999999999999999999/profile", nil, auth, 404, "positive integer", ""},
		{"prefix only", "GET", "/rcms-api", nil, nil, 404, "Unknown endpoint", ""},
		{"prefix slash", "GET", "/rcms-api/", nil, nil, 404, "Unknown endpoint", ""},
		{"api_id only", "POST", "/rcms-api/1", nil, nil, 404, "Unknown endpoint", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if !strings.HasPrefix(path, "/") {
				path = base + path
			}
			r := e.Do(c.method, path, c.body, c.headers...)
			checkEnvelope(t, r)
			if r.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, c.want, r.Body)
			}
			errs := r.JSON()["errors"].([]any)
			first := errs[0].(map[string]any)
			if !strings.Contains(first["message"].(string), c.msg) {
				t.Errorf("message %q does not contain %q", first["message"], c.msg)
			}
			if got, _ := first["field"].(string); got != c.field {
				t.Errorf("field %q, want %q (%s)", got, c.field, r.Body)
			}
		})
	}
}
