package kuroco_test

import (
	"net/http"
	"testing"
	"time"

	"gatehouse/internal/testenv"
)

const sameSiteOrigin = "https://auth.example.test" // testenv's base URL

// cleared reports whether c deletes the cookie (fasthttp writes an Expires
// in 1970 rather than Max-Age=0).
func cleared(c *http.Cookie) bool {
	return c != nil && c.Value == "" && (c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())))
}

func cookieNamed(r *testenv.Response, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestCookieMode: token responses set rcms_api_access_token only for a
// same-site browser Origin; login_save: 1 adds the long-lived
// rcms_api_refresh_token, which {} then uses to log the browser back in;
// logout clears both.
func TestCookieMode(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)

	grant := func(save int, headers ...string) (*testenv.Response, string) {
		t.Helper()
		r := call(t, e, "POST", "login", map[string]any{"email": "ann@example.com", "password": annPassword, "login_save": save}, headers...)
		if r.StatusCode != 200 {
			t.Fatalf("login: %d %s", r.StatusCode, r.Body)
		}
		return r, r.JSON()["grant_token"].(string)
	}

	// API clients (no Origin) and other sites get no cookies.
	for _, h := range [][]string{nil, {"Origin", "https://evil.example"}, {"Origin", "null"}} {
		r, g := grant(1, h...)
		if len(r.Cookies()) != 0 {
			t.Fatalf("login with %v set cookies: %v", h, r.Cookies())
		}
		r = call(t, e, "POST", "token", map[string]any{"grant_token": g}, h...)
		if r.StatusCode != 200 || len(r.Cookies()) != 0 {
			t.Fatalf("token with %v: %d, cookies %v", h, r.StatusCode, r.Cookies())
		}
	}

	// login_save: 0 from the site: the access cookie only.
	_, g := grant(0, "Origin", sameSiteOrigin)
	r := call(t, e, "POST", "token", map[string]any{"grant_token": g}, "Origin", sameSiteOrigin)
	ac := cookieNamed(r, "rcms_api_access_token")
	if ac == nil || ac.Value != tokenOf(r.JSON(), "access_token") || !ac.HttpOnly || !ac.Secure ||
		ac.SameSite != http.SameSiteLaxMode || ac.MaxAge != 3600 || ac.Path != "/" {
		t.Fatalf("access cookie: %+v", ac)
	}
	if cookieNamed(r, "rcms_api_refresh_token") != nil {
		t.Fatal("refresh cookie without login_save")
	}

	// login_save: 1 from the site: the marker, then both cookies.
	r, g = grant(1, "Origin", sameSiteOrigin)
	marker := cookieNamed(r, "rcms_api_login_save")
	if marker == nil || marker.Value != "1" || !marker.HttpOnly || marker.MaxAge != 300 || marker.Path != "/rcms-api/" {
		t.Fatalf("login_save marker: %+v", marker)
	}
	r = call(t, e, "POST", "token", map[string]any{"grant_token": g}, "Origin", sameSiteOrigin, "Cookie", "rcms_api_login_save=1")
	rc := cookieNamed(r, "rcms_api_refresh_token")
	if rc == nil || rc.Value != tokenOf(r.JSON(), "refresh_token") || !rc.HttpOnly || !rc.Secure ||
		rc.SameSite != http.SameSiteLaxMode || rc.MaxAge != 604800 || rc.Path != "/rcms-api/" {
		t.Fatalf("refresh cookie: %+v", rc)
	}
	if m := cookieNamed(r, "rcms_api_login_save"); !cleared(m) {
		t.Fatalf("marker not cleared: %+v", m)
	}

	// Auto-login: {} with the refresh cookie from the site is a refresh.
	r = call(t, e, "POST", "token", map[string]any{}, "Origin", sameSiteOrigin, "Cookie", "rcms_api_refresh_token="+rc.Value)
	ac = cookieNamed(r, "rcms_api_access_token")
	if r.StatusCode != 200 || ac == nil || ac.Value != tokenOf(r.JSON(), "access_token") {
		t.Fatalf("auto-login: %d %s %v", r.StatusCode, r.Body, r.Cookies())
	}
	if r := call(t, e, "GET", "profile", nil, "Cookie", "rcms_api_access_token="+ac.Value); r.StatusCode != 200 {
		t.Fatalf("profile with the auto-login cookie: %d %s", r.StatusCode, r.Body)
	}
	// The same {} without the Origin is an anonymous token, not a login.
	r = call(t, e, "POST", "token", map[string]any{}, "Cookie", "rcms_api_refresh_token="+rc.Value)
	if r := call(t, e, "GET", "profile", nil, "X-RCMS-API-ACCESS-TOKEN", tokenOf(r.JSON(), "access_token")); r.StatusCode != 401 {
		t.Fatalf("{} without Origin logged in with the refresh cookie: %d", r.StatusCode)
	}

	// Logout with the cookies clears them; the dead refresh cookie is then
	// refused and cleared.
	r = call(t, e, "POST", "logout", map[string]any{}, "Origin", sameSiteOrigin,
		"Cookie", "rcms_api_access_token="+ac.Value+"; rcms_api_refresh_token="+rc.Value)
	if r.StatusCode != 200 {
		t.Fatalf("logout: %d %s", r.StatusCode, r.Body)
	}
	for _, name := range []string{"rcms_api_access_token", "rcms_api_refresh_token"} {
		if c := cookieNamed(r, name); !cleared(c) {
			t.Fatalf("logout did not clear %s: %v", name, r.Header.Values("Set-Cookie"))
		}
	}
	r = call(t, e, "POST", "token", map[string]any{}, "Origin", sameSiteOrigin, "Cookie", "rcms_api_refresh_token="+rc.Value)
	if c := cookieNamed(r, "rcms_api_refresh_token"); r.StatusCode != 401 || !cleared(c) {
		t.Fatalf("dead refresh cookie: %d %s %v", r.StatusCode, r.Body, r.Header.Values("Set-Cookie"))
	}
}

// TestTokenResponsesAreNotCached: every kuroco response is no-store.
func TestTokenResponsesAreNotCached(t *testing.T) {
	e := newEnv(t)
	for _, op := range []string{"token", "login", "nope"} {
		r := call(t, e, "POST", op, map[string]any{})
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", op, r.Header.Get("Cache-Control"))
		}
	}
}
