package kotive_test

import (
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/testenv"
)

// fuzzContentTypes are the Content-Type headers a fuzzed request may carry
// (the fuzzer picks one by index).
var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "", "text/plain",
	"application/json; charset=utf-8", "multipart/form-data; boundary=x", "application/vnd.api+json"}

// fuzzOp is one route of the dialect. A "{}" in path is replaced by the
// (escaped) body, so route parameters get fuzzed too.
type fuzzOp struct{ method, path string }

// fuzzRequest sends one request through the whole app and fails on a 5xx
// (a recovered panic is a 500 too) or a leaked stack trace.
func fuzzRequest(t *testing.T, app *fiber.App, op fuzzOp, ct uint8, body, authz string) {
	target := op.path
	var rd io.Reader
	if strings.Contains(target, "{}") {
		target = strings.Replace(target, "{}", url.PathEscape(body), 1)
	} else if op.method != fiber.MethodGet {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(op.method, "http://auth.example.test/", rd)
	req.URL.Opaque, req.RequestURI = target, target // the path as is: no re-parsing of the fuzzed bytes
	if c := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; c != "" && rd != nil {
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
		t.Fatalf("%s %.80q: %v", op.method, target, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		t.Fatalf("%s %.80q body %.200q: status %d: %.300s", op.method, target, body, res.StatusCode, raw)
	}
	if strings.Contains(string(raw), "goroutine ") {
		t.Fatalf("%s %.80q: stack trace in the response: %.300s", op.method, target, raw)
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

// FuzzKotiveDecode: no request body, content type, credential or route parameter
// makes the kotive dialect panic or answer 5xx. The seeds (the seed
// documents' example bodies and malformed ones) run in every go test;
// go test -run '^$' -fuzz FuzzKotiveDecode ./web/api/kotive/ explores further.
func FuzzKotiveDecode(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	e.CreateMember("ann@example.com", "correct horse battery")
	ops := []fuzzOp{
		{"POST", "/api/login"},
		{"GET", "/api/login"},
		{"POST", "/api/user/resetpassword"},
		{"POST", "/api/logout"},
		{"GET", "/api/{}"},
	}
	bodies := []string{
		``, `{}`, `[]`, `null`, `"x"`, `{`, `{"a":`, `{}{}`, `{"x":1} trailing`,
		"\xff\xfe{\"\xc3\x28\":\"\xed\xa0\x80\"}", `{"email":{"$gt":""}}`, `a[999999999999]=1`,
		`a[b][c][d][e][f][g][h][i][j][k]=1`, `=&&=%zz&a=%`, strings.Repeat(`[`, 10000), strings.Repeat(`{"a":`, 3000),
		`{"username":"ann@example.com","password":"correct horse battery"}`,
		`{"email":"ann@example.com"}`,
		`{"user":{"email":"ann@example.com"}}`,
		`{"email":1}`,
		`email=ann%40example.com`,
	}
	for i := range ops {
		for j, b := range bodies {
			f.Add(uint8(i), uint8(0), b, "") // as JSON
			if j%len(fuzzContentTypes) != 0 {
				f.Add(uint8(i), uint8(j), b, "") // the same bytes as another type
			}
		}
	}
	for _, a := range []string{"Bearer", "Bearer x.y.z", "Basic !!!", "Basic YW5uQGV4YW1wbGUuY29tOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", "Basic Og==", "Negotiate x"} {
		f.Add(uint8(0), uint8(0), `{}`, a)
	}
	f.Fuzz(func(t *testing.T, op, ct uint8, body, authz string) {
		fuzzRequest(t, e.App, ops[int(op)%len(ops)], ct, body, authz)
	})
}
