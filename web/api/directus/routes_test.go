package directus_test

import (
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

// TestUnknownRoutes: unknown routes under the directus prefixes are 404
// ROUTE_NOT_FOUND; under /auth in the combined envelope.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	notFound := func(method, path string, combined bool) apitest.Scenario {
		return apitest.Scenario{Name: method + " " + path, Method: method, URL: path, ExpectedStatus: 404,
			Check: func(t testing.TB, res *apitest.Result) {
				r := &testenv.Response{Response: res.Response, Body: res.Body}
				wantError(t, r, 404, "ROUTE_NOT_FOUND")
				if _, has := r.JSON()["code"]; has != combined {
					t.Errorf("%s %s: combined %v: %s", method, path, has, r.Body)
				}
			}}
	}
	for _, s := range []apitest.Scenario{
		notFound("GET", "/auth/nope", true),
		notFound("POST", "/auth/password/nope", true),
		notFound("GET", "/auth/login", true),
		notFound("DELETE", "/auth/refresh", true),
		notFound("GET", "/auth/oauth/nope", false),
		notFound("GET", "/auth/login/nope", false),
		notFound("POST", "/users/me/tfa/nope", false),
		notFound("GET", "/users/me/tfa/generate", false),
		notFound("POST", "/graphql", false),
		notFound("GET", "/graphql/system", false),
		notFound("POST", "/graphql/items", false),
	} {
		s.Run(t, e.App)
	}
}
