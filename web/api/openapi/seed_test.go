package openapi_test

import (
	"strings"
	"testing"

	"gatehouse/web/api/apitest"
)

// TestSeedExamples sends every request example of seed 004 exactly as
// written and checks the documented status and shape.
func TestSeedExamples(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, path, body string
		headers          []string
		status           int
		errField         string // a 400 names this field
	}{
		{"post__auth", "/auth", "", []string{"Accept", "application/json", "Authorization", "Bearer {access-token}"}, 401, ""},
		{"post__auth_register", "/auth/register", `{
  "name": "string",
  "bio": "string",
  "email": "user@example.com",
  "password": "string",
  "confirm": "string"
}`, nil, 400, "password"},
		{"post__auth_login", "/auth/login", `{
  "email": "string",
  "password": "string"
}`, nil, 401, ""},
		{"post__auth_logout", "/auth/logout", `{
  "refreshToken": "string"
}`, nil, 200, ""},
		{"post__auth_refresh-tokens", "/auth/refresh-tokens", `{
  "refreshToken": "string"
}`, nil, 401, ""},
		{"post__auth_reset-password", "/auth/reset-password?token=string", `{
  "password": "string"
}`, nil, 401, ""},
	}
	for _, tc := range cases {
		s := apitest.Scenario{Name: tc.name, Method: "POST", URL: tc.path, Headers: map[string]string{}, ExpectedStatus: tc.status}
		if tc.body != "" {
			s.Body = tc.body
		}
		for i := 0; i+1 < len(tc.headers); i += 2 {
			s.Headers[tc.headers[i]] = tc.headers[i+1]
		}
		s.Check = func(t testing.TB, res *apitest.Result) {
			got := res.JSON()
			if tc.status == 200 {
				if strings.TrimSpace(string(res.Body)) != "{}" {
					t.Errorf("body %s, want {}", res.Body)
				}
				return
			}
			if got["code"] != float64(tc.status) || str(got, "message") == "" {
				t.Errorf("error envelope: %s", res.Body)
			}
			if tc.errField != "" && str(got, "errors", tc.errField) == "" {
				t.Errorf("400 does not name %q: %s", tc.errField, res.Body)
			}
		}
		s.Run(t, e.App)
	}
}
