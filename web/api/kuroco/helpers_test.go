package kuroco_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

// base is the prefix of every kuroco operation in these tests.
const base = "/rcms-api/1/"

// annPassword is the password of the member most tests sign in as.
const annPassword = "correct horse battery"

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func newEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, testenv.Options{})
}

// call sends a kuroco request and checks what every kuroco response must
// carry: a UUID v4 x-rcms-request-id header, repeated in error bodies.
func call(t *testing.T, e *testenv.Env, method, op string, body any, headers ...string) *testenv.Response {
	t.Helper()
	r := e.Do(method, base+op, body, headers...)
	checkEnvelope(t, r)
	return r
}

func checkEnvelope(t testing.TB, r *testenv.Response) {
	t.Helper()
	id := r.Header.Get("x-rcms-request-id")
	if !uuidV4.MatchString(id) {
		t.Fatalf("%s %s: x-rcms-request-id header %q is not a UUID v4", r.Request.Method, r.Request.URL, id)
	}
	if r.StatusCode >= 400 {
		body := r.JSON()
		if body == nil {
			t.Fatalf("%s %s: %d with a non-JSON body %q", r.Request.Method, r.Request.URL, r.StatusCode, r.Body)
		}
		if body["x-rcms-request-id"] != id {
			t.Fatalf("error body request id %v, header %q", body["x-rcms-request-id"], id)
		}
		errs, _ := body["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("error body without errors: %s", r.Body)
		}
		for _, e := range errs {
			m, _ := e.(map[string]any)
			if m["code"] == "" || m["message"] == "" || m["code"] == nil || m["message"] == nil {
				t.Fatalf("error entry without code or message: %s", r.Body)
			}
		}
		if msgs, ok := body["messages"].([]any); !ok || len(msgs) != 0 {
			t.Fatalf("error body messages = %v, want []", body["messages"])
		}
	}
}

// login runs login_challenge and the grant exchange and returns the token
// response body.
func login(t *testing.T, e *testenv.Env, email, password string) map[string]any {
	t.Helper()
	r := call(t, e, "POST", "login", map[string]any{"email": email, "password": password, "login_save": 0})
	if r.StatusCode != 200 {
		t.Fatalf("login: %d %s", r.StatusCode, r.Body)
	}
	r = call(t, e, "POST", "token", map[string]any{"grant_token": r.JSON()["grant_token"]})
	if r.StatusCode != 200 {
		t.Fatalf("token: %d %s", r.StatusCode, r.Body)
	}
	return r.JSON()
}

// tokenOf returns the "value" of a token object in a response body.
func tokenOf(body map[string]any, key string) string {
	v, _ := body[key].(map[string]any)
	s, _ := v["value"].(string)
	return s
}

// normalize replaces the volatile values of a kuroco response (tokens,
// times, ids, request ids) with placeholders; times become their distance
// from now, rounded to the minute, so lifetimes stay asserted.
func normalize(t *testing.T, r *testenv.Response) []byte {
	t.Helper()
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("response is not JSON: %v: %q", err, r.Body)
	}
	now := time.Now().Unix()
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				switch k {
				case "grant_token", "value":
					if s, ok := val.(string); ok && len(s) >= 32 {
						x[k] = "<token>"
						continue
					}
				case "validUntil", "expiresAt":
					if n, ok := val.(float64); ok {
						x[k] = fmt.Sprintf("<now+%ds>", int64(math.Round(float64(int64(n)-now)/60))*60)
						continue
					}
				case "member_id":
					if _, ok := val.(float64); ok {
						x[k] = "<member_id>"
						continue
					}
				case "x-rcms-request-id":
					if s, ok := val.(string); ok && uuidV4.MatchString(s) {
						x[k] = "<request-id>"
						continue
					}
				}
				x[k] = walk(val)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	out, err := apitest.EncodeJSON(map[string]any{"status": r.StatusCode, "body": walk(body)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares the normalized response with testdata/<name>.golden.json
// (rewritten with -update).
func golden(t *testing.T, name string, r *testenv.Response) {
	t.Helper()
	apitest.Golden(t, name, normalize(t, r), *update)
}

// badInputEnv is where the bad-input scenarios run: ann exists and is signed
// in; authz is the header carrying her access token.
func badInputEnv(t *testing.T) (*testenv.Env, []string) {
	t.Helper()
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	access := tokenOf(login(t, e, "ann@example.com", annPassword), "access_token")
	return e, []string{"X-RCMS-API-ACCESS-TOKEN", access}
}

// formBody is the Content-Type header of a form-encoded body.
var formBody = []string{"Content-Type", "application/x-www-form-urlencoded"}

// badInput is a request kuroco must refuse: status want in the kuroco
// envelope (checkEnvelope), the first error's message containing msg and
// naming field ("" for none). A path without a leading / is an operation
// under base; headers are name, value pairs.
func badInput(name, method, path string, body any, headers []string, want int, msg, field string) apitest.Scenario {
	if !strings.HasPrefix(path, "/") {
		path = base + path
	}
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return apitest.Scenario{Name: name, Method: method, URL: path, Body: body, Headers: h, ExpectedStatus: want,
		Check: func(t testing.TB, r *apitest.Result) {
			t.Helper()
			checkEnvelope(t, &testenv.Response{Response: r.Response, Body: r.Body})
			errs := r.JSON()["errors"].([]any)
			first := errs[0].(map[string]any)
			if !strings.Contains(first["message"].(string), msg) {
				t.Errorf("message %q does not contain %q", first["message"], msg)
			}
			if got, _ := first["field"].(string); got != field {
				t.Errorf("field %q, want %q (%s)", got, field, r.Body)
			}
		}}
}
