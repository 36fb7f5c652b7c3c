package directus_test

import (
	"testing"
)

// TestEndToEnd: login → the access token works as Bearer and as
// ?access_token= → refresh rotates → logout → everything is dead.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, refresh := loginJSON(t, e, annEmail, annPass)

	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access); r.StatusCode != 200 {
		t.Fatalf("bearer: %d %s", r.StatusCode, r.Body)
	}
	if r := probe(e, "/users/me/tfa/generate?access_token="+access); r.StatusCode != 200 {
		t.Fatalf("query: %d %s", r.StatusCode, r.Body)
	}
	r := probe(e, "/users/me/tfa/generate?access_token="+access, "Authorization", "Bearer "+access)
	wantError(t, r, 400, "INVALID_PAYLOAD")

	r = e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": refresh})
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	data := r.JSON()["data"].(map[string]any)
	access2, refresh2 := data["access_token"].(string), data["refresh_token"].(string)
	if refresh2 == "" || refresh2 == refresh || access2 == access {
		t.Fatalf("refresh did not rotate: %s", r.Body)
	}
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access2); r.StatusCode != 200 {
		t.Fatalf("new access: %d %s", r.StatusCode, r.Body)
	}

	r = e.Do("POST", "/auth/logout", map[string]string{"refresh_token": refresh2})
	if r.StatusCode != 200 || string(r.Body) != "{}" {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access2), 401, "INVALID_CREDENTIALS")
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access), 401, "INVALID_CREDENTIALS")
	// Directus answers a revoked refresh token 401 INVALID_CREDENTIALS
	// (AuthenticationService.refresh), not 403 INVALID_TOKEN.
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": refresh2}), 401, "INVALID_CREDENTIALS")
}
