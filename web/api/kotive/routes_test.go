package kotive_test

import (
	"strings"
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// TestUnknownRoutes: every other route under /api, and a known path with
// another method, is 404 with a JSON message (the kotive envelope).
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	for i, rq := range [][2]string{{"GET", "/api/nope"}, {"POST", "/api/user/nope"}, {"GET", "/api/logout"},
		{"GET", "/api/user/resetpassword"}, {"DELETE", "/api/login"}, {"GET", "/api"}} {
		apitest.Scenario{Name: rq[0] + " " + rq[1], Method: rq[0], URL: rq[1], ExpectedStatus: 404,
			Check: func(t testing.TB, res *apitest.Result) {
				r := &testenv.Response{Response: res.Response, Body: res.Body}
				if i == 0 {
					golden(t, "not_found", r, nil)
				}
				if r.StatusCode != 404 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Fatalf("%s %s: %d %s", rq[0], rq[1], r.StatusCode, r.Body)
				}
				if msg, _ := r.JSON()["message"].(string); msg == "" {
					t.Fatalf("%s %s: %s", rq[0], rq[1], r.Body)
				}
			}}.Run(t, e.App)
	}
}
