package directus_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/internal/testenv"
	"gatehouse/web/api"
)

// TestLoginRoutesTakeOnlyJSON: a valid JSON body sent as text/plain (what a
// cross-site form sends: login CSRF), without a Content-Type or urlencoded
// is refused by every route that signs in, refreshes or queues mail, REST
// and GraphQL, in every mode, with 400 INVALID_PAYLOAD as Directus 11 does
// (its JSON body parser ignores other types, and the empty payload then
// fails validation); nothing is written and no cookie is set. The same body
// as JSON then succeeds.
func TestLoginRoutesTakeOnlyJSON(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	body := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	gqlBody := func(q string) string { return body(map[string]any{"query": q}) }
	login := body(map[string]any{"email": annEmail, "password": annPass})
	loginMode := func(mode string) string {
		return body(map[string]any{"email": annEmail, "password": annPass, "mode": mode})
	}
	_, r1 := loginJSON(t, e, annEmail, annPass)
	_, r2 := loginJSON(t, e, annEmail, annPass)
	loginJSON(t, e, annEmail, annPass)
	_, r4 := loginJSON(t, e, annEmail, annPass)
	// Session mode refreshes from the session cookie of a session login.
	var sessionToken string
	for _, sc := range e.Do("POST", "/auth/login", loginMode("session")).Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(sc, api.CookieDirectusSession+"="); ok {
			sessionToken, _, _ = strings.Cut(v, ";")
		}
	}
	if sessionToken == "" {
		t.Fatal("a session login set no session cookie")
	}

	cases := []struct {
		name, path, body string
		headers          []string
	}{
		{"login json", "/auth/login", login, nil},
		{"login cookie", "/auth/login", loginMode("cookie"), nil},
		{"login session", "/auth/login", loginMode("session"), nil},
		{"refresh json", "/auth/refresh", body(map[string]any{"refresh_token": r1, "mode": "json"}), nil},
		{"refresh cookie", "/auth/refresh", body(map[string]any{"mode": "cookie"}), []string{"Cookie", api.CookieDirectusRefresh + "=" + r2}},
		{"refresh session", "/auth/refresh", body(map[string]any{"mode": "session"}), []string{"Cookie", api.CookieDirectusSession + "=" + sessionToken}},
		{"password request", "/auth/password/request", body(map[string]any{"email": annEmail}), nil},
		{"graphql auth_login", "/graphql/system", gqlBody(`mutation { auth_login(email: "` + annEmail + `", password: "` + annPass + `", mode: session) { access_token } }`), nil},
		{"graphql auth_refresh", "/graphql/system", gqlBody(`mutation { auth_refresh(refresh_token: "` + r4 + `", mode: json) { access_token } }`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range e.NotJSON("POST", c.path, c.body, testenv.CrossSiteTypes, c.headers...) {
				wantError(t, r, 400, "INVALID_PAYLOAD")
			}
			r := e.Do("POST", c.path, c.body, c.headers...)
			if r.StatusCode >= 300 || errCode(r) != "" {
				t.Fatalf("the same body as JSON: %d %s", r.StatusCode, r.Body)
			}
		})
	}
	// logout takes no body: the cookie is enough.
	r := e.Do("POST", "/auth/logout", nil, "Cookie", api.CookieDirectusRefresh+"="+r1)
	if r.StatusCode != 200 {
		t.Fatalf("logout without a body: %d %s", r.StatusCode, r.Body)
	}
}
