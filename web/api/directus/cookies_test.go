package directus_test

import (
	"bytes"
	"strings"
	"testing"
)

// TestCookieMode: the refresh token lives only in the cookie; refresh and
// logout work from the cookie alone.
func TestCookieMode(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "mode": "cookie"})
	line := setCookieLine(r, "directus_refresh_token")
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "secure", "max-age=604800"} {
		if !strings.Contains(line, attr) {
			t.Errorf("refresh cookie lacks %s: %s", attr, line)
		}
	}
	if bytes.Contains(r.Body, []byte("refresh_token")) || bytes.Contains(r.Body, []byte(`"refresh"`)) {
		t.Fatalf("refresh token in the body: %s", r.Body)
	}
	ref := cookie(r, "directus_refresh_token")
	r = e.Do("POST", "/auth/refresh", nil, "Cookie", "directus_refresh_token="+ref)
	ref2 := cookie(r, "directus_refresh_token")
	if r.StatusCode != 200 || ref2 == "" || ref2 == ref || bytes.Contains(r.Body, []byte("refresh_token")) {
		t.Fatalf("cookie refresh: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("POST", "/auth/logout", nil, "Cookie", "directus_refresh_token="+ref2)
	if r.StatusCode != 200 || !strings.Contains(setCookieLine(r, "directus_refresh_token"), "expires=Thu, 01 Jan 1970") {
		t.Fatalf("logout: %d %v", r.StatusCode, r.Header.Values("Set-Cookie"))
	}
	wantError(t, e.Do("POST", "/auth/refresh", nil, "Cookie", "directus_refresh_token="+ref2), 401, "INVALID_CREDENTIALS")
}

// TestSessionMode: as Directus 11, session mode answers only
// {"data":{"expires"}} and sets directus_session_token (the access token,
// one day) and no refresh cookie; the cookie is a carrier; refresh in
// session mode renews it from the cookie alone and kills the old one;
// logout with it alone ends the session.
func TestSessionMode(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	r := e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "mode": "session"})
	sess := cookie(r, "directus_session_token")
	if r.StatusCode != 200 || sess == "" || string(r.Body) != `{"data":{"expires":86400000}}` {
		t.Fatalf("session login: %d %v %s", r.StatusCode, r.Header.Values("Set-Cookie"), r.Body)
	}
	if setCookieLine(r, "directus_refresh_token") != "" {
		t.Fatalf("session mode set a refresh cookie: %v", r.Header.Values("Set-Cookie"))
	}
	if !strings.Contains(setCookieLine(r, "directus_session_token"), "max-age=86400") {
		t.Errorf("session cookie max-age: %s", setCookieLine(r, "directus_session_token"))
	}
	if r := probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess); r.StatusCode != 200 {
		t.Fatalf("session cookie as carrier: %d %s", r.StatusCode, r.Body)
	}
	r = e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}, "Cookie", "directus_session_token="+sess)
	sess2 := cookie(r, "directus_session_token")
	if r.StatusCode != 200 || sess2 == "" || sess2 == sess || string(r.Body) != `{"data":{"expires":86400000}}` {
		t.Fatalf("session refresh: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}, "Cookie", "directus_session_token="+sess), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"mode": "session"}), 400, "INVALID_PAYLOAD")
	r = e.Do("POST", "/auth/logout", nil, "Cookie", "directus_session_token="+sess2)
	if r.StatusCode != 200 {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, probe(e, "/users/me/tfa/generate", "Cookie", "directus_session_token="+sess2), 401, "INVALID_CREDENTIALS")
}
