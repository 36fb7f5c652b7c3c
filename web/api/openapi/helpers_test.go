package openapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

const (
	annEmail = "ann@example.com"
	annPass  = "correct horse battery"
	newPass  = "another long passphrase"
)

var isoRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// normalize replaces volatile values (tokens, expiry times, ids) with
// placeholders, after checking that each has the documented form.
func normalize(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			switch {
			case k == "token" || k == "access_token" || k == "refresh_token":
				if s, _ := val.(string); s == "" {
					t.Errorf("%s is empty", k)
				}
				out[k] = "<" + k + ">"
			case k == "expires":
				if s, ok := val.(string); ok {
					if !isoRE.MatchString(s) {
						t.Errorf("expires %q is not ISO-8601 with milliseconds", s)
					}
					out[k] = "<iso-time>"
				} else {
					out[k] = "<number>"
				}
			case k == "id":
				if _, ok := val.(float64); !ok {
					t.Errorf("id %v is not a number", val)
				}
				out[k] = "<id>"
			case k == "errors":
				out[k] = val // messages, never volatile
			default:
				out[k] = normalize(t, val)
			}
		}
		return out
	case []any:
		for i := range x {
			x[i] = normalize(t, x[i])
		}
	}
	return v
}

// golden compares the status, Cache-Control and normalised body of res with
// testdata/<name>.golden.json.
func golden(t *testing.T, name string, res *testenv.Response) {
	t.Helper()
	got := map[string]any{"status": res.StatusCode}
	if cc := res.Header.Get("Cache-Control"); cc != "" {
		got["cache-control"] = cc
	}
	if len(bytes.TrimSpace(res.Body)) > 0 {
		var body any
		if err := json.Unmarshal(res.Body, &body); err != nil {
			t.Fatalf("%s: body is not JSON: %v: %s", name, err, res.Body)
		}
		got["body"] = normalize(t, body)
	}
	raw, _ := json.MarshalIndent(got, "", "  ")
	raw = append(raw, '\n')
	apitest.Golden(t, name, raw, *update)
}

func newEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, testenv.Options{})
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// str digs a string out of a decoded JSON value by keys.
func str(v map[string]any, keys ...string) string {
	var cur any = v
	for _, k := range keys {
		m, _ := cur.(map[string]any)
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

// registerAnn registers through the API and returns the decoded body.
func registerAnn(t *testing.T, e *testenv.Env) map[string]any {
	t.Helper()
	res := e.Do("POST", "/auth/register", map[string]any{"name": "Ann Smith", "email": annEmail, "password": annPass, "confirm": annPass})
	if res.StatusCode != 201 {
		t.Fatalf("register: %d %s", res.StatusCode, res.Body)
	}
	return res.JSON()
}

// mailedToken waits for the n-th mail, checks it went to rcpt, and returns
// the token of its reset link.
func mailedToken(t *testing.T, e *testenv.Env, n int, rcpt string) string {
	t.Helper()
	msgs := e.SMTP.WaitFor(t, n, 10*time.Second)
	msg := msgs[n-1]
	if len(msg.To) != 1 || !strings.EqualFold(msg.To[0], rcpt) {
		t.Fatalf("mail %d went to %v, want %s", n, msg.To, rcpt)
	}
	link := smtptest.LinkIn(msg, e.BaseURL+"/reset-password?token=")
	if link == "" {
		text, _ := smtptest.Bodies(msg)
		t.Fatalf("no reset link in mail %d: %s", n, text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// lastResetToken returns the token of the newest reset mail to rcpt.
func lastResetToken(t *testing.T, e *testenv.Env, rcpt string) string {
	t.Helper()
	msgs := e.SMTP.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if link := smtptest.LinkIn(msgs[i], e.BaseURL+"/reset-password?token="); link != "" && strings.EqualFold(msgs[i].To[0], rcpt) {
			u, _ := url.Parse(link)
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no reset mail to %s", rcpt)
	return ""
}
