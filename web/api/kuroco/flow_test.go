package kuroco_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEndToEnd runs login → token → profile → refresh → profile → logout,
// after which both access tokens and the refresh token are dead.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	ann := e.CreateMember("Ann@Example.com", annPassword)

	tokens := login(t, e, "ann@example.COM", annPassword)
	access, refresh := tokenOf(tokens, "access_token"), tokenOf(tokens, "refresh_token")
	if access == "" || refresh == "" || access == refresh {
		t.Fatalf("token response: %v", tokens)
	}

	r := call(t, e, "GET", "profile", nil, "Authorization", "Bearer "+access)
	if r.StatusCode != 200 || r.JSON()["member_id"] != float64(ann.ID) || r.JSON()["email"] != "Ann@Example.com" {
		t.Fatalf("profile: %d %s", r.StatusCode, r.Body)
	}

	r = call(t, e, "POST", "token", map[string]any{"refresh_token": refresh})
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	if _, ok := r.JSON()["refresh_token"]; ok {
		t.Fatalf("kuroco refresh must not return a refresh token: %s", r.Body)
	}
	access2 := tokenOf(r.JSON(), "access_token")
	if access2 == "" || access2 == access {
		t.Fatalf("refresh returned access token %q", access2)
	}
	// Not rotated: the same refresh token works again.
	if r := call(t, e, "POST", "token", map[string]any{"refresh_token": refresh}); r.StatusCode != 200 {
		t.Fatalf("second refresh with the same token: %d %s", r.StatusCode, r.Body)
	}

	for _, tok := range []string{access, access2} {
		if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tok); r.StatusCode != 200 {
			t.Fatalf("profile before logout: %d %s", r.StatusCode, r.Body)
		}
	}

	r = call(t, e, "POST", "logout", map[string]any{}, "X-RCMS-API-ACCESS-TOKEN", access2)
	if r.StatusCode != 200 || !strings.Contains(string(r.Body), "Logged out.") {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	for _, tok := range []string{access, access2} {
		if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tok); r.StatusCode != 401 {
			t.Fatalf("profile after logout: %d %s", r.StatusCode, r.Body)
		}
	}
	if r := call(t, e, "POST", "token", map[string]any{"refresh_token": refresh}); r.StatusCode != 401 {
		t.Fatalf("refresh after logout: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, e, "POST", "logout", nil, "X-RCMS-API-ACCESS-TOKEN", access2); r.StatusCode != 401 {
		t.Fatalf("second logout: %d %s", r.StatusCode, r.Body)
	}
}

type testResponse struct {
	status int
	header http.Header
	body   string
}
