package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// Scenario is one request to the real app and what its answer must be, the
// shape every dialect's tests and the pages' tests share (after PocketBase's
// tests.ApiScenario). Cases that need more than the status and the body's
// content put the rest in Check, which runs after those assertions.
type Scenario struct {
	Name   string
	Method string
	URL    string
	// Body is nil, a string or []byte sent as is, or a value sent as JSON.
	// With a body and no Content-Type header, Content-Type is
	// application/json.
	Body    any
	Headers map[string]string

	ExpectedStatus int
	// ExpectedContent are substrings the response body must contain, and
	// NotExpectedContent substrings it must not.
	ExpectedContent    []string
	NotExpectedContent []string

	// Check, when set, makes the scenario's own further assertions.
	Check func(t testing.TB, r *Result)

	// Transport, when set, sends the request instead of app.Test: the
	// pages' tests pass their cookie-keeping browser, which adds the
	// session cookie and keeps the cookies the answer sets.
	Transport func(req *http.Request) (*http.Response, error)
}

// Result is the answer to a scenario: the response, its body read.
type Result struct {
	*http.Response
	Body []byte
}

// JSON decodes the body as a JSON object (nil when it is not one).
func (r *Result) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Run runs the scenario as the subtest s.Name.
func (s Scenario) Run(t *testing.T, app *fiber.App) {
	t.Helper()
	t.Run(s.Name, func(t *testing.T) {
		t.Helper()
		s.Do(t, app)
	})
}

// Do sends the request through app, asserts the expectations and returns
// the result, for flows whose next step needs it.
func (s Scenario) Do(t testing.TB, app *fiber.App) *Result {
	t.Helper()
	r := s.send(t, app)
	s.assert(t, r)
	return r
}

func (s Scenario) send(t testing.TB, app *fiber.App) *Result {
	t.Helper()
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := NewRequest(method, s.URL, s.Body)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	send := s.Transport
	if send == nil {
		send = func(req *http.Request) (*http.Response, error) { return app.Test(req, -1) }
	}
	res, err := send(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, s.URL, err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, s.URL, err)
	}
	return &Result{Response: res, Body: raw}
}

// NewRequest is a test request with body: nil, a string or []byte sent as
// is, or a value sent as JSON; with a body, Content-Type is
// application/json (a caller's header may replace it).
func NewRequest(method, target string, body any) (*http.Request, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// assert checks the status and the content, then runs Check. A wrong
// status stops the scenario: the content assertions would only repeat it.
func (s Scenario) assert(t testing.TB, r *Result) {
	t.Helper()
	if s.ExpectedStatus == 0 {
		t.Fatalf("%s: scenario without ExpectedStatus", s.Name)
	}
	if r.StatusCode != s.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", r.Request.Method, r.Request.URL, r.StatusCode, s.ExpectedStatus, r.Body)
	}
	for _, want := range s.ExpectedContent {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("%s %s: body lacks %q: %s", r.Request.Method, r.Request.URL, want, r.Body)
		}
	}
	for _, not := range s.NotExpectedContent {
		if bytes.Contains(r.Body, []byte(not)) {
			t.Errorf("%s %s: body contains %q: %s", r.Request.Method, r.Request.URL, not, r.Body)
		}
	}
	if s.Check != nil {
		s.Check(t, r)
	}
}
