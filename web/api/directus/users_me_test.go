package directus_test

import (
	"strings"
	"testing"
	"time"
)

// TestReadMe: GET /users/me (the SDK's readMe) answers the member as a
// directus_users item, narrowed by fields; without a token 401
// INVALID_CREDENTIALS; an unknown field 403 FORBIDDEN.
func TestReadMe(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	bearer := []string{"Authorization", "Bearer " + access}

	r := e.Do("GET", "/users/me", nil, bearer...)
	data, _ := r.JSON()["data"].(map[string]any)
	if r.StatusCode != 200 || data["email"] != annEmail || data["password"] != "**********" || data["tfa_secret"] != nil || data["status"] != "active" || data["id"] != float64(1) {
		t.Fatalf("readMe: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("GET", "/users/me?fields=email,first_name", nil, bearer...)
	if r.StatusCode != 200 || string(r.Body) != `{"data":{"email":"ann@example.com","first_name":"Member"}}` {
		t.Fatalf("fields: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("GET", "/users/me?fields[]=id&fields[]=role.name", nil, bearer...)
	if r.StatusCode != 200 || string(r.Body) != `{"data":{"id":1,"role":null}}` {
		t.Fatalf("fields[]: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, e.Do("GET", "/users/me?fields=secret_sauce", nil, bearer...), 403, "FORBIDDEN")
	wantError(t, e.Do("GET", "/users/me", nil), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("GET", "/users/me", nil, "Authorization", "Bearer nope"), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("DELETE", "/users/me", nil, bearer...), 404, "ROUTE_NOT_FOUND")
}

// TestUpdateMe: PATCH /users/me changes the member's own names, email and
// password under the pages' rules, answering Directus's codes.
func TestUpdateMe(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	e.CreateMember("bob@example.com", annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	bearer := []string{"Authorization", "Bearer " + access}

	r := e.Do("PATCH", "/users/me?fields=first_name,last_name", map[string]any{"first_name": "Ann", "last_name": "Lee"}, bearer...)
	if r.StatusCode != 200 || string(r.Body) != `{"data":{"first_name":"Ann","last_name":"Lee"}}` {
		t.Fatalf("names: %d %s", r.StatusCode, r.Body)
	}
	for _, c := range []struct {
		body         map[string]any
		status       int
		code, reason string
	}{
		{map[string]any{"status": "active"}, 403, "FORBIDDEN", ""},
		{map[string]any{"first_name": 7}, 400, "INVALID_PAYLOAD", `"first_name" must be a string`},
		{map[string]any{"email": "ann2@example.com"}, 400, "INVALID_PAYLOAD", "current password is required"},
		{map[string]any{"email": "ann2@example.com", "current_password": "wrong wrong"}, 400, "INVALID_PAYLOAD", "current password is incorrect"},
		{map[string]any{"email": "bob@example.com", "current_password": annPass}, 400, "RECORD_NOT_UNIQUE", ""},
		{map[string]any{"password": "short", "current_password": annPass}, 400, "INVALID_PAYLOAD", "at least"},
	} {
		r := e.Do("PATCH", "/users/me", c.body, bearer...)
		if r.StatusCode != c.status || errCode(r) != c.code || !strings.Contains(reason(r), c.reason) {
			t.Errorf("%v: %d %s", c.body, r.StatusCode, r.Body)
		}
	}
	wantError(t, e.Do("PATCH", "/users/me", map[string]any{"first_name": "X"}), 401, "INVALID_CREDENTIALS")

	r = e.Do("PATCH", "/users/me?fields=email", map[string]any{"email": "ann.lee@example.com", "password": "a brand new passphrase", "current_password": annPass}, bearer...)
	if r.StatusCode != 200 || string(r.Body) != `{"data":{"email":"ann.lee@example.com"}}` {
		t.Fatalf("email and password: %d %s", r.StatusCode, r.Body)
	}
	loginJSON(t, e, "ann.lee@example.com", "a brand new passphrase")
	wantError(t, e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass}), 401, "INVALID_CREDENTIALS")
}

// reason returns errors[0].extensions.reason.
func reason(r interface{ JSON() map[string]any }) string {
	errs, _ := r.JSON()["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	s, _ := ext["reason"].(string)
	return s
}

// TestErrorShapes: INVALID_PAYLOAD says "Invalid payload. <reason>." with
// extensions.reason, ROUTE_NOT_FOUND names the path, as Directus 11's
// packages/errors do.
func TestErrorShapes(t *testing.T) {
	e := newEnv(t)
	r := e.Do("POST", "/auth/password/request", map[string]any{})
	if r.StatusCode != 400 || errMessage(r) != `Invalid payload. "email" is required.` || reason(r) != `"email" is required` {
		t.Fatalf("INVALID_PAYLOAD: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("GET", "/auth/nowhere", nil)
	if r.StatusCode != 404 || errCode(r) != "ROUTE_NOT_FOUND" || errMessage(r) != "Route /auth/nowhere doesn't exist." || !strings.Contains(string(r.Body), `"path":"/auth/nowhere"`) {
		t.Fatalf("ROUTE_NOT_FOUND: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("GET", "/graphql/nowhere", nil)
	if r.StatusCode != 404 || errMessage(r) != "Route /graphql/nowhere doesn't exist." {
		t.Fatalf("ROUTE_NOT_FOUND graphql: %d %s", r.StatusCode, r.Body)
	}
}

// TestSharedLoginOpenAPILifetimes: the openapi "tokens" of POST /auth/login
// live as long as openapi tokens from any other route (1 day / 12 days),
// while the directus "data" keeps directus's 15 min.
func TestSharedLoginOpenAPILifetimes(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	start := time.Now()
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass})
	tokens := r.JSON()["tokens"].(map[string]any)
	for _, c := range []struct {
		key  string
		want time.Duration
	}{{"access", 24 * time.Hour}, {"refresh", 12 * 24 * time.Hour}} {
		exp, err := time.Parse(time.RFC3339, tokens[c.key].(map[string]any)["expires"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if got := exp.Sub(start); got < c.want-time.Minute || got > c.want+time.Minute {
			t.Errorf("openapi %s token lives %v, want %v", c.key, got, c.want)
		}
	}
	if exp := r.JSON()["data"].(map[string]any)["expires"]; exp != float64(900000) {
		t.Errorf("directus expires %v", exp)
	}
}
