package directus_test

import (
	"strings"
	"testing"

	"gatehouse/internal/testenv"
)

// TestT6: logout answers the same for a valid, a garbage and an already
// revoked token; garbage changes nothing.
func TestT6(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	e.CreateMember("bob@example.com", annPass)
	bobAccess, _ := loginJSON(t, e, "bob@example.com", annPass)
	_, refresh := loginJSON(t, e, annEmail, annPass)

	valid := e.Do("POST", "/auth/logout", map[string]string{"refresh_token": refresh})
	garbage := e.Do("POST", "/auth/logout", map[string]string{"refresh_token": "garbage"})
	again := e.Do("POST", "/auth/logout", map[string]string{"refreshToken": refresh})
	for name, r := range map[string]*testenv.Response{"valid": valid, "garbage": garbage, "revoked": again} {
		if r.StatusCode != 200 || string(r.Body) != "{}" || strings.Join(r.Header.Values("Set-Cookie"), "|") != strings.Join(valid.Header.Values("Set-Cookie"), "|") {
			t.Errorf("%s: %d %s %v", name, r.StatusCode, r.Body, r.Header.Values("Set-Cookie"))
		}
	}
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+bobAccess); r.StatusCode != 200 {
		t.Fatalf("bob's session changed: %d %s", r.StatusCode, r.Body)
	}
	r := e.Do("POST", "/auth/logout", map[string]string{})
	if r.StatusCode != 400 || errCode(r) != "INVALID_PAYLOAD" || r.JSON()["code"] != float64(400) || r.JSON()["message"] == "" {
		t.Fatalf("logout without token: %d %s", r.StatusCode, r.Body)
	}
}
