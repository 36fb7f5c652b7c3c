// Package apitest holds the test helpers the API dialect packages share: the
// request-decoding fuzz harness, a one-route app for calling a handler
// directly, and golden-file comparison. Only tests import it. It imports
// neither testenv nor a dialect, so a dialect's internal tests (package
// kuroco, …) may use it without an import cycle.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// ContentTypes are the Content-Type headers a fuzzed request may carry (the
// fuzzer picks one by index).
var ContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "", "text/plain",
	"application/json; charset=utf-8", "multipart/form-data; boundary=x", "application/vnd.api+json"}

// MalformedBodies are the seed bodies every dialect's fuzz target starts
// from, before its own example bodies.
var MalformedBodies = []string{
	``, `{}`, `[]`, `null`, `"x"`, `{`, `{"a":`, `{}{}`, `{"x":1} trailing`,
	"\xff\xfe{\"\xc3\x28\":\"\xed\xa0\x80\"}", `{"email":{"$gt":""}}`, `a[999999999999]=1`,
	`a[b][c][d][e][f][g][h][i][j][k]=1`, `=&&=%zz&a=%`, strings.Repeat(`[`, 10000), strings.Repeat(`{"a":`, 3000),
}

// authorizations are the seed Authorization headers.
var authorizations = []string{"Bearer", "Bearer x.y.z", "Basic !!!", "Basic YW5uQGV4YW1wbGUuY29tOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", "Basic Og==", "Negotiate x"}

// FuzzRoutes seeds f and runs its fuzz target over the dialect's routes, each
// "METHOD /path"; a "{}" in a path is replaced by the (escaped) body, so route
// parameters get fuzzed too. The seeds are every route with every body
// (MalformedBodies, then bodies) as JSON and as one other content type, plus
// the seed Authorization headers on the first route. Each input is one request
// through app, which must not answer 5xx (a recovered panic is a 500 too) nor
// leak a stack trace. The seeds run in every go test; go test -fuzz explores
// further.
func FuzzRoutes(f *testing.F, app *fiber.App, routes, bodies []string) {
	type route struct{ method, path string }
	ops := make([]route, len(routes))
	for i, r := range routes {
		method, path, ok := strings.Cut(r, " ")
		if !ok {
			f.Fatalf("route %q is not \"METHOD /path\"", r)
		}
		ops[i] = route{method, path}
	}
	all := append(append([]string{}, MalformedBodies...), bodies...)
	for i := range ops {
		for j, b := range all {
			f.Add(uint8(i), uint8(0), b, "") // as JSON
			if j%len(ContentTypes) != 0 {
				f.Add(uint8(i), uint8(j), b, "") // the same bytes as another type
			}
		}
	}
	for _, a := range authorizations {
		f.Add(uint8(0), uint8(0), `{}`, a)
	}
	f.Fuzz(func(t *testing.T, op, ct uint8, body, authz string) {
		o := ops[int(op)%len(ops)]
		fuzzRequest(t, app, o.method, o.path, ct, body, authz)
	})
}

// fuzzRequest sends one request through the whole app and fails on a 5xx
// (a recovered panic is a 500 too) or a leaked stack trace.
func fuzzRequest(t *testing.T, app *fiber.App, method, target string, ct uint8, body, authz string) {
	var rd io.Reader
	if strings.Contains(target, "{}") {
		target = strings.Replace(target, "{}", url.PathEscape(body), 1)
	} else if method != fiber.MethodGet {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://auth.example.test/", rd)
	req.URL.Opaque, req.RequestURI = target, target // the path as is: no re-parsing of the fuzzed bytes
	if c := ContentTypes[int(ct)%len(ContentTypes)]; c != "" && rd != nil {
		req.Header.Set("Content-Type", c)
	}
	if authz != "" && !strings.ContainsAny(authz, "\r\n\x00") {
		req.Header.Set("Authorization", authz)
	}
	res, err := app.Test(req, -1)
	if err != nil {
		// fasthttp refused the request while reading it: over a real
		// connection that is a 400, 413 or 431 before any handler runs.
		if refusedByFasthttp(err) {
			return
		}
		t.Fatalf("%s %.80q: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		t.Fatalf("%s %.80q body %.200q: status %d: %.300s", method, target, body, res.StatusCode, raw)
	}
	if strings.Contains(string(raw), "goroutine ") {
		t.Fatalf("%s %.80q: stack trace in the response: %.300s", method, target, raw)
	}
}

// refusedByFasthttp reports whether err is fasthttp refusing a request it
// could not read (malformed multipart, headers over ReadBufferSize, body
// over BodyLimit), which it answers with a 4xx.
func refusedByFasthttp(err error) bool {
	msg := err.Error()
	for _, s := range []string{"multipart", "small read buffer", "body size exceeds", "error when reading request"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Serve routes method / to handlers on a fresh fiber.App, sends one
// bodiless request there and returns the response with its body read.
func Serve(t testing.TB, method string, handlers ...fiber.Handler) (*http.Response, []byte) {
	t.Helper()
	app := fiber.New()
	app.Add(method, "/", handlers...)
	res, err := app.Test(httptest.NewRequest(method, "/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// ExpectOverload checks that respond, a handler answering with the hash
// pool's overload error (EUNAVAILABLE), writes a 503 with Retry-After: 1 and
// a JSON object body (the dialect's error envelope).
func ExpectOverload(t testing.TB, respond fiber.Handler) {
	t.Helper()
	res, body := Serve(t, fiber.MethodGet, respond)
	if res.StatusCode != fiber.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("status %d Retry-After %q, want 503 and 1; body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if len(body) == 0 || body[0] != '{' {
		t.Fatalf("body is not the JSON envelope: %s", body)
	}
}

// EncodeJSON is how golden files are written: two-space indent, a final
// newline, and <, >, & left unescaped so placeholders stay readable.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Golden compares got with testdata/<name>.golden.json, reporting a
// difference with t.Errorf and returning false; with update it rewrites the
// file instead.
func Golden(t testing.TB, name string, got []byte, update bool) bool {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, path, got, want)
		return false
	}
	return true
}
