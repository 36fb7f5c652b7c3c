package kuroco_test

import (
	"encoding/json"
	"testing"

	"gatehouse/internal/testenv"
)

// TestLoginRoutesTakeOnlyJSON: a valid JSON body sent as text/plain (what a
// cross-site form sends), without a Content-Type or as multipart is refused
// with 415 in the kuroco envelope by every route that signs in, issues a
// token or queues mail, even in cookie mode (a same-site Origin); nothing is
// written and no cookie is set. The same body as JSON then succeeds, so the
// refusal is about the media type alone.
func TestLoginRoutesTakeOnlyJSON(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	origin := []string{"Origin", e.BaseURL}
	grant := func() string {
		r := call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": annPassword, "login_save": 1}, origin...)
		if r.StatusCode != 200 {
			t.Fatalf("login: %d %s", r.StatusCode, r.Body)
		}
		return r.JSON()["grant_token"].(string)
	}
	refresh := tokenOf(login(t, e, "ann@example.com", annPassword), "refresh_token")
	body := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	cases := []struct {
		name, op, body string
		ok             int
	}{
		{"login_challenge", "login", body(map[string]any{"email": "ann@example.com", "password": annPassword, "login_save": 1}), 200},
		{"token (grant)", "token", body(map[string]any{"grant_token": grant()}), 200},
		{"token (refresh)", "token", body(map[string]any{"refresh_token": refresh}), 200},
		{"token (anonymous)", "token", `{}`, 200},
		{"reminder", "reminder", body(map[string]any{"email": "ann@example.com"}), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range e.NotJSON("POST", base+c.op, c.body, testenv.CrossSiteTypes, origin...) {
				checkEnvelope(t, r)
				errs, _ := r.JSON()["errors"].([]any)
				first, _ := errs[0].(map[string]any)
				if r.StatusCode != 415 || first["code"] != "unsupported_media_type" {
					t.Errorf("as %q: %d %s, want 415 unsupported_media_type", r.Request.Header.Get("Content-Type"), r.StatusCode, r.Body)
				}
			}
			if r := call(t, e, "POST", c.op, c.body, origin...); r.StatusCode != c.ok {
				t.Fatalf("the same body as JSON: %d %s", r.StatusCode, r.Body)
			}
		})
	}
	// application/json with parameters and application/*+json are JSON.
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"} {
		r := call(t, e, "POST", "token", `{}`, "Content-Type", ct)
		if r.StatusCode != 200 {
			t.Errorf("%q: %d %s", ct, r.StatusCode, r.Body)
		}
	}
	// logout takes no body.
	access := tokenOf(login(t, e, "ann@example.com", annPassword), "access_token")
	r := e.Do("POST", base+"logout", nil, "X-RCMS-API-ACCESS-TOKEN", access)
	checkEnvelope(t, r)
	if r.StatusCode != 200 {
		t.Fatalf("logout without a body: %d %s", r.StatusCode, r.Body)
	}
}
