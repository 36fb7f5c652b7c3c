package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
	"gatehouse/web/api"
)

// apiCookies are the cookies an API answer may sign a browser in with (the
// kuroco login_save marker decides whether the next token answer sets the
// long-lived refresh cookie, so it counts too).
var apiCookies = []string{api.CookieDirectusSession, api.CookieDirectusRefresh,
	api.CookieKurocoAccess, api.CookieKurocoRefresh, "rcms_api_login_save"}

const cookiePassword = "correct horse battery"

// creds mints fresh secrets for one probe through the service.
type creds struct {
	email                                        string
	grant, kurocoRefresh, directusRefresh, oaRef string
}

func freshCreds(t *testing.T, e *testenv.Env, email string) creds {
	t.Helper()
	ctx := context.Background()
	in := func(via string) auth.LoginInput {
		return auth.LoginInput{Identifier: email, Password: cookiePassword, Via: via}
	}
	_, g, err := e.Svc.LoginChallenge(ctx, in(auth.ViaKuroco))
	if err != nil {
		t.Fatal(err)
	}
	c := creds{email: email, grant: g.Token}
	for via, dst := range map[string]*string{auth.ViaKuroco: &c.kurocoRefresh, auth.ViaDirectus: &c.directusRefresh, auth.ViaOpenAPI: &c.oaRef} {
		_, tok, err := e.Svc.LoginTokens(ctx, in(via))
		if err != nil {
			t.Fatal(err)
		}
		*dst = tok.Refresh
	}
	return c
}

func jsonBody(v any) string { b, _ := json.Marshal(v); return string(b) }

// cookieDoors lists every API route whose answer can set one of apiCookies,
// with a request (in a browser on this site: Origin and Sec-Fetch-Site to
// be added) that makes it set one. Each must refuse the same request marked
// Sec-Fetch-Site: cross-site (auth.CookieSignIn). TestCookieDoorsListed
// finds any other route that sets such a cookie.
var cookieDoors = map[string]func(c creds) (body string, headers []string){
	"POST /auth/login": func(c creds) (string, []string) {
		return jsonBody(map[string]any{"email": c.email, "password": cookiePassword, "mode": "session"}), nil
	},
	"POST /auth/refresh": func(c creds) (string, []string) {
		return jsonBody(map[string]any{"mode": "cookie"}), []string{"Cookie", api.CookieDirectusRefresh + "=" + c.directusRefresh}
	},
	"POST /graphql/system": func(c creds) (string, []string) {
		return jsonBody(map[string]any{"query": `mutation { auth_login(email: "` + c.email + `", password: "` + cookiePassword + `", mode: cookie) { access_token } }`}), nil
	},
	"POST /rcms-api/:api_id/login": func(c creds) (string, []string) {
		return jsonBody(map[string]any{"email": c.email, "password": cookiePassword, "login_save": 1}), nil
	},
	"POST /rcms-api/:api_id/token": func(c creds) (string, []string) {
		return jsonBody(map[string]any{"grant_token": c.grant}), nil
	},
}

// probes are the requests TestCookieDoorsListed sends to every route: each
// offers valid secrets in every shape a door might take them, asking for
// cookies wherever a dialect lets one ask.
func probes(c creds) []struct {
	body    string
	headers []string
} {
	login := map[string]any{"email": c.email, "username": c.email, "password": cookiePassword, "mode": "session", "login_save": 1}
	return []struct {
		body    string
		headers []string
	}{
		{jsonBody(login), []string{"Authorization", "Basic " + basicAuth(c.email, cookiePassword)}},
		{jsonBody(map[string]any{"grant_token": c.grant}), nil},
		{jsonBody(map[string]any{"refresh_token": c.directusRefresh, "refreshToken": c.oaRef, "mode": "session"}), nil},
		{jsonBody(map[string]any{"refresh_token": c.kurocoRefresh}), nil},
		{`{}`, []string{"Cookie", api.CookieDirectusRefresh + "=" + c.directusRefresh + "; " + api.CookieKurocoRefresh + "=" + c.kurocoRefresh + "; rcms_api_login_save=1"}},
		{jsonBody(map[string]any{"query": `mutation { auth_refresh(refresh_token: "` + c.directusRefresh + `", mode: session) { access_token } }`}), nil},
	}
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// fillPath turns a route pattern into a path that reaches its handler.
func fillPath(p string) string {
	r := strings.NewReplacer(":api_id", "1", ":provider", "github", ":id", "1", ":fid", "1", ":actor", "1",
		":token", "x", ":name?", "x", "*", "x")
	return r.Replace(p)
}

// setsAPICookie returns the first of apiCookies r sets to a value.
func setsAPICookie(r *testenv.Response) string {
	for _, c := range r.Cookies() {
		for _, name := range apiCookies {
			if c.Name == name && c.Value != "" && c.MaxAge >= 0 {
				return name
			}
		}
	}
	return ""
}

// TestCookieDoorsListed sends every probe, as a browser on this site would,
// to every registered route (a route registered for every method gets a
// POST): a route whose answer sets a sign-in cookie and is not in
// cookieDoors fails, so a new door cannot skip the cross-site rule
// unnoticed. Every cookieDoors entry must exist and set its cookie.
func TestCookieDoorsListed(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	e.CreateMember("ann@example.com", cookiePassword)
	site := []string{"Origin", e.BaseURL, "Sec-Fetch-Site", "same-origin"}
	routes := registeredRoutes(&env{app: e.App})
	var names []string
	for k := range routes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		method, path, _ := strings.Cut(k, " ")
		if method == "ALL" {
			method = http.MethodPost
		}
		if _, listed := cookieDoors[k]; listed {
			continue
		}
		for i, p := range probes(freshCreds(t, e, "ann@example.com")) {
			body := p.body
			if method == http.MethodGet {
				body = ""
			}
			r := e.Do(method, fillPath(path), nilIfEmpty(body), append(append([]string{}, site...), p.headers...)...)
			if name := setsAPICookie(r); name != "" {
				t.Errorf("%s sets %s (probe %d) but is not in cookieDoors: add it there and refuse cross-site requests with auth.CookieSignIn", k, name, i)
			}
		}
	}
	for k := range cookieDoors {
		if !routes[k] {
			t.Errorf("cookieDoors lists %s, which is not registered", k)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestCookieDoorsRefuseCrossSite: every cookie door, asked by a page of
// another site (Sec-Fetch-Site: cross-site), answers 403 in its dialect's
// envelope, sets no cookie and writes nothing; the same request from this
// site (same-origin, same-site, or a non-browser client without the
// header) signs in with the cookie.
func TestCookieDoorsRefuseCrossSite(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	e.CreateMember("ann@example.com", cookiePassword)
	for k, build := range cookieDoors {
		method, path, _ := strings.Cut(k, " ")
		t.Run(k, func(t *testing.T) {
			body, headers := build(freshCreds(t, e, "ann@example.com"))
			before := e.Rows()
			r := e.Do(method, fillPath(path), body, append([]string{"Origin", e.BaseURL, "Sec-Fetch-Site", "cross-site"}, headers...)...)
			if len(r.Header.Values("Set-Cookie")) > 0 {
				t.Errorf("cross-site: set %q", r.Header.Values("Set-Cookie"))
			}
			forbidden := r.StatusCode == http.StatusForbidden ||
				// GraphQL errors travel in a 200 with extensions.code.
				(path == "/graphql/system" && strings.Contains(string(r.Body), `"FORBIDDEN"`) && !strings.Contains(string(r.Body), `"access_token"`))
			if !forbidden {
				t.Errorf("cross-site: %d %s, want 403", r.StatusCode, r.Body)
			}
			if after := e.Rows(); !testenv.SameRows(before, after) {
				t.Errorf("cross-site: rows written: %v → %v", before, after)
			}
			for _, fs := range []string{"same-origin", "same-site", ""} {
				body, headers := build(freshCreds(t, e, "ann@example.com"))
				h := append([]string{"Origin", e.BaseURL}, headers...)
				if fs != "" {
					h = append(h, "Sec-Fetch-Site", fs)
				}
				r := e.Do(method, fillPath(path), body, h...)
				if r.StatusCode != http.StatusOK || setsAPICookie(r) == "" {
					t.Errorf("Sec-Fetch-Site %q: %d %s, set-cookie %q; want 200 with a sign-in cookie", fs, r.StatusCode, r.Body, r.Header.Values("Set-Cookie"))
				}
			}
		})
	}
}
