package directus_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
	"gatehouse/web/api"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

const (
	annEmail = "ann@example.com"
	annPass  = "correct horse battery"
)

// newEnv builds a Gatehouse with OAuth providers and a reset allow list.
func newEnv(t *testing.T, mod ...func(*testenv.Options)) *testenv.Env {
	t.Helper()
	o := testenv.Options{
		Auth: auth.Config{ResetURLAllowList: []string{"https://good.example/reset"}},
		API: api.Config{OAuthProviders: []api.OAuthProvider{
			{Name: "github", Label: "GitHub", Driver: "oauth2", Icon: "github", ClientID: "cid", ClientSecret: "cs",
				AuthorizeURL: "https://github.example/login/oauth/authorize", AccessURL: "http://127.0.0.1:1/token",
				ProfileURL: "http://127.0.0.1:1/user", Scope: "read:user user:email", RedirectAllow: []string{"https://app.example/after"}},
			{Name: "google", Label: "Google", Driver: "openid", Icon: "google", AuthorizeURL: "https://accounts.google.example/auth?prompt=login"},
		}},
	}
	for _, f := range mod {
		f(&o)
	}
	return testenv.New(t, o)
}

// loginJSON logs in in json mode and returns the data object.
func loginJSON(t *testing.T, e *testenv.Env, email, pass string) (access, refresh string) {
	t.Helper()
	r := e.Do("POST", "/auth/login", map[string]string{"email": email, "password": pass})
	if r.StatusCode != 200 {
		t.Fatalf("login: %d %s", r.StatusCode, r.Body)
	}
	data, _ := r.JSON()["data"].(map[string]any)
	access, _ = data["access_token"].(string)
	refresh, _ = data["refresh_token"].(string)
	if access == "" || refresh == "" {
		t.Fatalf("login without tokens: %s", r.Body)
	}
	return access, refresh
}

// errCode returns errors[0].extensions.code of a Directus error body.
func errCode(r *testenv.Response) string {
	var b struct {
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &b) != nil || len(b.Errors) == 0 {
		return ""
	}
	return b.Errors[0].Extensions.Code
}

func errMessage(r *testenv.Response) string {
	var b struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &b) != nil || len(b.Errors) == 0 {
		return ""
	}
	return b.Errors[0].Message
}

func wantError(t testing.TB, r *testenv.Response, status int, code string) {
	t.Helper()
	if r.StatusCode != status || errCode(r) != code {
		t.Fatalf("want %d %s, got %d %s", status, code, r.StatusCode, r.Body)
	}
}

// cookie returns the value of the Set-Cookie named name ("" when absent).
func cookie(r *testenv.Response, name string) string {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func setCookieLine(r *testenv.Response, name string) string {
	for _, l := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			return l
		}
	}
	return ""
}

// totp computes an RFC 6238 code (HMAC-SHA1, 30 s steps, 6 digits).
func totp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

// suspend sets a member's status to suspended through the store.
func suspend(t *testing.T, e *testenv.Env, m auth.Member) {
	t.Helper()
	m.Status = auth.StatusSuspended
	if err := e.Store.Update(context.Background(), func(tx auth.Tx) error { return tx.UpdateMember(context.Background(), m) }); err != nil {
		t.Fatal(err)
	}
}

var volatileKeys = map[string]bool{"access_token": true, "refresh_token": true, "token": true, "secret": true, "otpauth_url": true}

// normalize replaces tokens and times with placeholders.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && s != "" && volatileKeys[k] {
				x[k] = "<" + k + ">"
				continue
			}
			if s, ok := val.(string); ok && k == "expires" && s != "" {
				x[k] = "<time>"
				continue
			}
			x[k] = normalize(val)
		}
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	}
	return v
}

var cookieValue = regexp.MustCompile(`^([a-z_]+)=[^;]+;`)
var cookieExpires = regexp.MustCompile(`expires=[^;]+`)

// golden compares a response (status, Set-Cookie, Cache-Control, body)
// after normalization with testdata/<name>.golden.json.
func golden(t *testing.T, name string, r *testenv.Response) {
	t.Helper()
	var body any
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("%s: body is not JSON: %s", name, r.Body)
		}
	}
	var cookies []string
	for _, l := range r.Header.Values("Set-Cookie") {
		l = cookieValue.ReplaceAllString(l, "$1=<value>;")
		cookies = append(cookies, cookieExpires.ReplaceAllString(l, "expires=<time>"))
	}
	sort.Strings(cookies)
	got := map[string]any{"status": r.StatusCode, "body": normalize(body)}
	if len(cookies) > 0 {
		got["set_cookie"] = cookies
	}
	if cc := r.Header.Get("Cache-Control"); cc != "" {
		got["cache_control"] = cc
	}
	raw, err := apitest.EncodeJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Golden(t, name, raw, *update)
}

// gql posts a GraphQL request to /graphql/system.
func gql(e *testenv.Env, query string, vars map[string]any, headers ...string) *testenv.Response {
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	return e.Do("POST", "/graphql/system", body, headers...)
}

// tokenFrom extracts ?token= from a mailed link.
func tokenFrom(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no token in %q", link)
	}
	return u.Query().Get("token")
}

// probe calls an authenticated route (tfa/generate needs the password and
// stores nothing) and returns the response.
func probe(e *testenv.Env, path string, headers ...string) *testenv.Response {
	return e.Do("POST", path, map[string]string{"password": annPass}, headers...)
}
