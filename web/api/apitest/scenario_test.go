package apitest

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// outcome runs the scenario against app and returns its failures.
func outcome(s Scenario, app *fiber.App) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Do(r, app)
	}()
	<-done
	return r.failures
}

// TestScenario: each expectation of a scenario fails when the answer breaks
// it, and passes when the answer keeps it.
func TestScenario(t *testing.T) {
	app := fiber.New()
	app.Post("/echo", func(c *fiber.Ctx) error {
		c.Set("X-Type", c.Get("Content-Type"))
		c.Set("X-Extra", c.Get("X-Extra"))
		return c.Status(fiber.StatusCreated).Send(c.Body())
	})
	ok := Scenario{Name: "echo", Method: "POST", URL: "/echo", Body: map[string]any{"a": "hello"},
		Headers: map[string]string{"X-Extra": "yes"}, ExpectedStatus: 201,
		ExpectedContent: []string{`"a":"hello"`}, NotExpectedContent: []string{"bye"},
		Check: func(t testing.TB, r *Result) {
			if r.Header.Get("X-Type") != "application/json" || r.Header.Get("X-Extra") != "yes" || r.JSON()["a"] != "hello" {
				t.Errorf("headers %v, body %s", r.Header, r.Body)
			}
		}}
	if f := outcome(ok, app); len(f) != 0 {
		t.Fatalf("a kept scenario failed: %v", f)
	}
	ok.Run(t, app)

	// A Transport sends the request instead of app.Test.
	sent := 0
	via := ok
	via.Transport = func(req *http.Request) (*http.Response, error) { sent++; return app.Test(req, -1) }
	if f := outcome(via, nil); len(f) != 0 || sent != 1 {
		t.Fatalf("through a Transport: %d requests, failures %v", sent, f)
	}

	broken := map[string]func(s *Scenario){
		"status":       func(s *Scenario) { s.ExpectedStatus = 200 },
		"no status":    func(s *Scenario) { s.ExpectedStatus = 0 },
		"content":      func(s *Scenario) { s.ExpectedContent = []string{"bye"} },
		"not expected": func(s *Scenario) { s.NotExpectedContent = []string{"hello"} },
		"check":        func(s *Scenario) { s.Headers = nil },
		"text body": func(s *Scenario) {
			s.Body = "plain"
			s.Headers = map[string]string{"Content-Type": "text/plain", "X-Extra": "yes"}
		},
	}
	for name, edit := range broken {
		s := ok
		edit(&s)
		f := outcome(s, app)
		if len(f) == 0 {
			t.Errorf("%s: a broken scenario passed", name)
		}
		if name == "status" && !strings.Contains(f[0], "status 201, want 200") {
			t.Errorf("status failure %q", f[0])
		}
	}
}
