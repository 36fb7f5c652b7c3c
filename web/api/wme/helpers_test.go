package wme_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/smtptest"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

// The seed's example credentials (seed 001), used for the member "admin".
const (
	seedUser     = "admin"
	seedEmail    = "admin@example.com"
	seedPassword = "j8BDWYrQwDF5u4Yu"
	seedProposed = "b2BDWZrQwDF5u4Yu"
)

type env struct {
	*testenv.Env
	t *testing.T
}

func newEnv(t *testing.T, o testenv.Options) *env {
	t.Helper()
	return &env{Env: testenv.New(t, o), t: t}
}

// member creates an active member with a username.
func (e *env) member(email, username, password string) auth.Member {
	e.t.Helper()
	m, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Username: username, Password: password, Name: "Member " + username})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// temporary creates a member whose password must be replaced at first login.
func (e *env) temporary(email, username, password string) auth.Member {
	e.t.Helper()
	m, err := e.Svc.CreateMember(context.Background(), auth.CreateMemberInput{Email: email, Username: username, Password: password, Name: "Member " + username, Temporary: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// suspend marks the member suspended.
func (e *env) suspend(m auth.Member) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.Store.Update(ctx, func(tx auth.Tx) error {
		m.Status = auth.StatusSuspended
		return tx.UpdateMember(ctx, m)
	}); err != nil {
		e.t.Fatal(err)
	}
}

// post sends a JSON body (a string is sent as is).
func (e *env) post(path string, body any, headers ...string) *testenv.Response {
	e.t.Helper()
	return e.Do("POST", path, body, headers...)
}

// postForm sends a form-encoded body.
func (e *env) postForm(path string, vals url.Values) *testenv.Response {
	e.t.Helper()
	return e.Do("POST", path, vals.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// tokens logs in and returns the token body, failing the test otherwise.
func (e *env) login(username, password string) map[string]any {
	e.t.Helper()
	r := e.post("/v1/login", map[string]string{"username": username, "password": password})
	expect(e.t, r, 200)
	b := r.JSON()
	if str(b, "access_token") == "" || str(b, "refresh_token") == "" || str(b, "id_token") == "" {
		e.t.Fatalf("login of %s: no tokens in %s", username, r.Body)
	}
	return b
}

// alive reports whether an access token is accepted.
func (e *env) alive(access string) bool {
	_, _, err := e.Svc.AuthenticateToken(context.Background(), access)
	return err == nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func expect(t testing.TB, r *testenv.Response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", r.StatusCode, status, r.Body)
	}
}

// expectError checks the wme error envelope: exactly {"message","status"},
// status equal to the HTTP status, and a message containing each of want.
func expectError(t testing.TB, r *testenv.Response, status int, want ...string) {
	t.Helper()
	expect(t, r, status)
	var b map[string]any
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("error body is not JSON: %q", r.Body)
	}
	if len(b) != 2 || b["status"] != float64(status) {
		t.Fatalf("error body %s is not {\"message\",\"status\":%d}", r.Body, status)
	}
	msg, ok := b["message"].(string)
	if !ok || msg == "" {
		t.Fatalf("error body %s has no message", r.Body)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Fatalf("error message %q does not mention %q", msg, w)
		}
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("error Content-Type %q", r.Header.Get("Content-Type"))
	}
}

// shape checks a 200 body against the members the seed documents for it:
// every documented member is present, every member present is documented
// and has the documented JSON type or null (no value, e.g. no challenge),
// and every member of must is non-empty.
func shape(t *testing.T, r *testenv.Response, documented map[string]string, must ...string) {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("body is not a JSON object: %q", r.Body)
	}
	for k, v := range b {
		kind, ok := documented[k]
		if !ok {
			t.Fatalf("undocumented member %q in %s", k, r.Body)
		}
		switch v.(type) {
		case nil:
		case string:
			if kind != "string" {
				t.Fatalf("member %q is a string, documented %s", k, kind)
			}
		case float64:
			if kind != "number" {
				t.Fatalf("member %q is a number, documented %s", k, kind)
			}
		default:
			t.Fatalf("member %q has type %T", k, v)
		}
	}
	for k := range documented {
		if _, ok := b[k]; !ok {
			t.Fatalf("documented member %q missing in %s", k, r.Body)
		}
	}
	for _, k := range must {
		if v, ok := b[k]; !ok || v == nil || v == "" || v == float64(0) {
			t.Fatalf("member %q missing or empty in %s", k, r.Body)
		}
	}
}

// The documented success bodies of seed 001.
var (
	loginShape       = map[string]string{"challenge_name": "string", "id_token": "string", "access_token": "string", "refresh_token": "string", "session": "string", "expires_in": "number"}
	newPasswordShape = map[string]string{"id_token": "string", "access_token": "string", "refresh_token": "string", "session": "string", "expires_in": "number"}
	refreshShape     = map[string]string{"id_token": "string", "access_token": "string", "expires_in": "number"}
)

// golden compares a response with testdata/<name>.golden.json after
// replacing the volatile values (tokens, sessions) with placeholders; with
// -update it rewrites the file.
func golden(t *testing.T, name string, req any, r *testenv.Response) {
	t.Helper()
	var body any
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("%s: body is not JSON: %q", name, r.Body)
		}
	}
	headers := map[string]string{}
	for _, h := range []string{"Content-Type", "Cache-Control", "Retry-After", "Allow"} {
		if v := r.Header.Get(h); v != "" {
			headers[h] = v
		}
	}
	doc := map[string]any{
		"request":  normalize(req),
		"status":   r.StatusCode,
		"headers":  headers,
		"response": normalize(body),
	}
	got, err := apitest.EncodeJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !apitest.Golden(t, name, got, *update) {
		t.FailNow()
	}
}

// volatile names the members whose values change on every run.
var volatile = map[string]bool{"id_token": true, "access_token": true, "refresh_token": true, "session": true, "confirmation_code": true}

// seedValues are the seed's example values: kept as they are, since they
// are documentation, not live secrets.
var seedValues = map[string]bool{
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9": true, "sInR5cCI6IkpXVCJ9eyJhbGciOiJIUzI1NiI": true,
	"eyJhbGcisInR5cCI6IkOiJIUzI1NiIpXVCJ9": true, "6MadrbRF": true,
}

func normalize(v any) any {
	switch x := v.(type) {
	case map[string]string:
		out := map[string]any{}
		for k, s := range x {
			out[k] = s
		}
		return normalize(out)
	case map[string]any:
		out := map[string]any{}
		for k, s := range x {
			if str, ok := s.(string); ok && volatile[k] && str != "" && !seedValues[str] {
				out[k] = "<" + k + ">"
				continue
			}
			out[k] = normalize(s)
		}
		return out
	}
	return v
}

// codeLine is a line that holds only an 8-character confirmation code;
// codeAfterWord finds one written after the word "code" in a sentence.
var (
	codeLine      = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)
	codeAfterWord = regexp.MustCompile(`(?i)\bcode\b[^A-Za-z0-9\n]*(?:is[^A-Za-z0-9\n]*)?([A-Za-z0-9]{8})\b`)
)

// codeIn returns the 8-character confirmation code of a mail, or "".
func codeIn(msg smtptest.Message) string {
	text, _ := smtptest.Bodies(msg)
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); codeLine.MatchString(l) && strings.ToLower(l) != "password" {
			return l
		}
	}
	if m := codeAfterWord.FindStringSubmatch(text); m != nil && strings.ToLower(m[1]) != m[1] {
		return m[1]
	}
	return ""
}

// waitCode waits for the n-th (1-based) mail with a confirmation code to
// rcpt and returns its code.
func (e *env) waitCode(rcpt string, n int) string {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		msgs := e.SMTP.Messages()
		var codes []string
		for _, m := range msgs {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], rcpt) {
				if c := codeIn(m); c != "" {
					codes = append(codes, c)
				}
			}
		}
		if len(codes) >= n {
			return codes[n-1]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no confirmation code mail #%d to %s (have %d mails: %v)", n, rcpt, len(msgs), subjects(msgs))
		}
		e.SMTP.WaitFor(e.t, len(msgs)+1, time.Until(deadline)+time.Second)
	}
}

func subjects(msgs []smtptest.Message) []string {
	var out []string
	for _, m := range msgs {
		text, _ := smtptest.Bodies(m)
		out = append(out, strings.Join(m.To, ",")+": "+firstLines(text, 3))
	}
	sort.Strings(out)
	return out
}

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, " / ")
}
