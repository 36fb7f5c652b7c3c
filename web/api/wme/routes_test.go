package wme_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// TestUnknownRoutes: other /v1/ paths are 404 and other methods 405, in
// the wme envelope (expectError).
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	envelope := func(status int, want ...string) func(testing.TB, *apitest.Result) {
		return func(t testing.TB, r *apitest.Result) {
			expectError(t, &testenv.Response{Response: r.Response, Body: r.Body}, status, want...)
		}
	}
	var scenarios []apitest.Scenario
	for _, path := range []string{"/v1/nothing", "/v1/", "/v1", "/v1/login/extra", "/v1/a/b/c"} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			scenarios = append(scenarios, apitest.Scenario{Name: method + " " + path, Method: method, URL: path,
				ExpectedStatus: 404, Check: envelope(404)})
		}
	}
	for _, method := range []string{"GET", "PUT", "DELETE", "PATCH"} {
		scenarios = append(scenarios, apitest.Scenario{Name: method + " /v1/login", Method: method, URL: "/v1/login",
			ExpectedStatus: 405, Check: func(t testing.TB, r *apitest.Result) {
				envelope(405, "POST")(t, r)
				if r.Header.Get("Allow") != "POST" {
					t.Fatalf("Allow %q", r.Header.Get("Allow"))
				}
			}})
	}
	// Other dialects and pages are not captured by the catch-all.
	scenarios = append(scenarios,
		apitest.Scenario{Name: "healthz", URL: "/healthz", ExpectedStatus: 200},
		apitest.Scenario{Name: "login page", URL: "/login", ExpectedStatus: 200})
	for _, s := range scenarios {
		s.Run(t, e.App)
	}
}
