package directus_test

import (
	"testing"
)

// TestLoginModesGolden pins §7's login shapes in json, cookie and session
// modes, and the refresh answers built from them.
func TestLoginModesGolden(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	for _, mode := range []string{"json", "cookie", "session"} {
		r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "mode": mode})
		golden(t, "login_"+mode, r)
		if mode == "json" {
			continue
		}
		name, val := "directus_refresh_token", cookie(r, "directus_refresh_token")
		if mode == "session" {
			name, val = "directus_session_token", cookie(r, "directus_session_token")
		}
		if val == "" {
			t.Fatalf("%s mode: no %s cookie", mode, name)
		}
		r = e.Do("POST", "/auth/refresh", map[string]string{"mode": mode}, "Cookie", name+"="+val)
		golden(t, "refresh_"+mode, r)
	}
}

// TestSeedExamplesGolden sends every request example of seed 003 as written
// and pins the answers.
func TestSeedExamplesGolden(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("admin@example.com", "d1r3ct5us")
	_, refresh := loginJSON(t, e, "admin@example.com", "d1r3ct5us")

	cases := []struct {
		name, method, path string
		body               any
	}{
		{"seed_rest_login", "POST", "/auth/login", `{ "email": "admin@example.com", "password": "d1r3ct5us" }`},
		{"seed_rest_refresh", "POST", "/auth/refresh", map[string]string{"refresh_token": refresh}},
		{"seed_rest_refresh_as_written", "POST", "/auth/refresh", `{ "refresh_token": "gmPd...8wuB" }`},
		{"seed_rest_logout_as_written", "POST", "/auth/logout", `{ "refresh_token": "gmPd...8wuB" }`},
		{"seed_rest_password_request", "POST", "/auth/password/request", `{ "email": "admin@example.com" }`},
		{"seed_rest_password_reset_as_written", "POST", "/auth/password/reset", `{ "token": "eyJh...KmUk", "password": "d1r3ctu5" }`},
		{"seed_oauth_list", "GET", "/auth/oauth", nil},
		{"auth_providers", "GET", "/auth", nil},
		{"seed_graphql_login_wrong_password_as_written", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_login(email: "admin@example.com", password: "d1r3ctu5") { access_token refresh_token } }`}},
		{"seed_graphql_login", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_login(email: "admin@example.com", password: "d1r3ct5us") { access_token refresh_token } }`}},
		{"seed_graphql_refresh_as_written", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_refresh(refresh_token: "abc...def") { access_token refresh_token } }`}},
		{"seed_graphql_logout_as_written", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_logout(refresh_token: "gmPd...8wuB") }`}},
		{"seed_graphql_password_request", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_password_request(email: "admin@example.com") }`}},
		{"seed_graphql_password_reset_as_written", "POST", "/graphql/system",
			map[string]string{"query": `mutation { auth_password_reset(token: "eyJh...KmUk", password: "d1r3ctu5") }`}},
		{"seed_rest_logout", "POST", "/auth/logout", map[string]string{"refresh_token": refresh}},
	}
	for _, c := range cases {
		golden(t, c.name, e.Do(c.method, c.path, c.body))
	}
}

// TestSeedGraphQLLoginAsWritten: the seed's GraphQL example uses a
// different password than its REST example; for a member with that
// password it succeeds.
func TestSeedGraphQLLoginAsWritten(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("admin@example.com", "d1r3ctu5")
	r := gql(e, `mutation { auth_login(email: "admin@example.com", password: "d1r3ctu5") { access_token refresh_token } }`, nil)
	golden(t, "seed_graphql_login_as_written", r)
}
