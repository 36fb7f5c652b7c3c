package directus_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// TestOAuth: the redirect carries state and a PKCE S256 challenge; the
// callback checks the state; the sign-in itself is not available yet.
func TestOAuth(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.Do("GET", "/auth/oauth/okta", nil), 404, "ROUTE_NOT_FOUND")
	wantError(t, e.Do("GET", "/auth/oauth/github?redirect=https://evil.example", nil), 400, "INVALID_PAYLOAD")

	for _, path := range []string{"/auth/oauth/github?redirect=https://app.example/after", "/auth/login/github"} {
		r := e.Do("GET", path, nil)
		if r.StatusCode != 302 {
			t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
		}
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil || loc.Host != "github.example" {
			t.Fatalf("location %q", r.Header.Get("Location"))
		}
		q := loc.Query()
		if q.Get("client_id") != "cid" || q.Get("response_type") != "code" || q.Get("scope") != "read:user user:email" ||
			q.Get("redirect_uri") != e.BaseURL+"/auth/oauth/github/callback" || q.Get("code_challenge_method") != "S256" || len(q.Get("state")) < 40 {
			t.Fatalf("authorize query %v", q)
		}
		line := setCookieLine(r, "directus_oauth_state")
		if !strings.Contains(line, "HttpOnly") || !strings.Contains(line, "path=/auth/oauth/github/callback") {
			t.Fatalf("state cookie %q", line)
		}
		st := cookie(r, "directus_oauth_state")
		raw, _ := base64.RawURLEncoding.DecodeString(st)
		if !strings.Contains(string(raw), q.Get("state")) {
			t.Fatalf("cookie does not hold the state")
		}
		cb := "/auth/oauth/github/callback?code=abc&state="
		wantError(t, e.Do("GET", cb+url.QueryEscape(q.Get("state")), nil), 403, "INVALID_PROVIDER")
		wantError(t, e.Do("GET", cb+"forged", nil, "Cookie", "directus_oauth_state="+st), 403, "INVALID_PROVIDER")
		r = e.Do("GET", cb+url.QueryEscape(q.Get("state")), nil, "Cookie", "directus_oauth_state="+st)
		wantError(t, r, 403, "INVALID_PROVIDER")
		if !strings.Contains(errMessage(r), "not available yet") {
			t.Fatalf("callback: %s", r.Body)
		}
		// The challenge is the S256 of the verifier kept in the cookie.
		v := strings.Split(strings.Split(string(raw), `"v":"`)[1], `"`)[0]
		sum := sha256.Sum256([]byte(v))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != q.Get("code_challenge") {
			t.Fatalf("PKCE challenge does not match the verifier")
		}
	}
	r := e.Do("GET", "/auth/oauth/google", nil)
	if loc := r.Header.Get("Location"); r.StatusCode != 302 || !strings.HasPrefix(loc, "https://accounts.google.example/auth?prompt=login&client_id=") {
		t.Fatalf("authorize URL with a query: %d %q", r.StatusCode, loc)
	}
}
