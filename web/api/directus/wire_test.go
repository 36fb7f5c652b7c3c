package directus_test

import (
	"strings"
	"testing"
)

// TestMalformedInput: bad bodies get 400 INVALID_PAYLOAD naming the problem
// on every route; the shared routes add the openapi code and message.
func TestMalformedInput(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	bearer := []string{"Authorization", "Bearer " + access}
	routes := []string{"/auth/login", "/auth/logout", "/auth/refresh", "/auth/password/request", "/auth/password/reset",
		"/users/me/tfa/generate", "/users/me/tfa/enable", "/users/me/tfa/disable", "/graphql/system"}
	bodies := []struct {
		name, body, ctype, want string
	}{
		{"malformed", `{"email":`, "application/json", "Malformed JSON"},
		{"array", `[1,2]`, "application/json", "JSON object"},
		{"content type", `email=a`, "application/x-www-form-urlencoded", "Content-Type"},
		{"trailing", `{} {}`, "application/json", "Unexpected data"},
	}
	for _, route := range routes {
		for _, b := range bodies {
			r := e.Do("POST", route, b.body, append([]string{"Content-Type", b.ctype}, bearer...)...)
			if r.StatusCode != 400 || errCode(r) != "INVALID_PAYLOAD" || !strings.Contains(errMessage(r), b.want) {
				t.Errorf("%s %s: %d %s", route, b.name, r.StatusCode, r.Body)
			}
			shared := route == "/auth/login" || route == "/auth/logout"
			if _, has := r.JSON()["code"]; has != shared {
				t.Errorf("%s %s: combined envelope %v: %s", route, b.name, has, r.Body)
			}
		}
	}
	fields := []struct {
		route, body, want string
	}{
		{"/auth/login", `{"email":1,"password":"x"}`, `"email"`},
		{"/auth/login", `{"password":"x"}`, `"email" is required`},
		{"/auth/login", `{"email":"a@b.c"}`, `"password" is required`},
		{"/auth/login", `{"email":"a@b.c","password":"x","mode":"bogus"}`, `"mode" must be one of`},
		{"/auth/refresh", `{"refresh_token":["x"]}`, `"refresh_token"`},
		{"/auth/refresh", `{}`, `refresh token is required`},
		{"/auth/refresh", `{"refresh_token":"x","mode":"nope"}`, `"mode"`},
		{"/auth/logout", `{"refreshToken":true}`, `"refreshToken"`},
		{"/auth/password/request", `{}`, `"email" is required`},
		{"/auth/password/request", `{"email":"a@b.c","reset_url":5}`, `"reset_url"`},
		{"/auth/password/reset", `{"token":"x"}`, `"password" is required`},
		{"/auth/password/reset", `{"password":"x"}`, `"token" is required`},
		{"/users/me/tfa/generate", `{}`, `"password" is required`},
		{"/users/me/tfa/enable", `{"secret":"x"}`, `"otp" is required`},
		{"/users/me/tfa/disable", `{"otp":123456}`, `"otp"`},
		{"/graphql/system", `{}`, `query string`},
		{"/graphql/system", `{"query":"mutation { auth_logout }","variables":"x"}`, `"variables"`},
	}
	for _, f := range fields {
		r := e.Do("POST", f.route, f.body, bearer...)
		if r.StatusCode != 400 || errCode(r) != "INVALID_PAYLOAD" || !strings.Contains(errMessage(r), f.want) {
			t.Errorf("%s %s: %d %s", f.route, f.body, r.StatusCode, r.Body)
		}
	}
}
