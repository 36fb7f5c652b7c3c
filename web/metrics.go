package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// signInDoors are the routes that check a password, keyed "METHOD pattern",
// with the door they count under in gatehouse_signins_total. The shared
// POST /auth/login serves directus and openapi with one handler, so it is
// one door; directus's GraphQL auth_login shares /graphql/system with
// every other GraphQL operation and is counted with requests only.
var signInDoors = map[string]string{
	"POST /login":                  "page",
	"POST /rcms-api/:api_id/login": "kuroco",
	"POST /v1/login":               "wme",
	"GET /api/login":               "kotive",
	"POST /api/login":              "kotive",
	"POST /auth/login":             "directus_openapi",
}

// signInResult names the outcome of a sign-in from its status, so the
// login use cases need not know about metrics: 2xx and 3xx (a page sign-in
// answers 303, also to its second-factor step) succeeded; 401 and 403 are
// refused credentials; 429 a throttle (also counted as a lockout); 503 the
// hash pool was full; other 4xx bad input; 5xx an error.
func signInResult(status int) string {
	switch {
	case status < 400:
		return "success"
	case status == fiber.StatusUnauthorized || status == fiber.StatusForbidden:
		return "failure"
	case status == fiber.StatusTooManyRequests:
		return "locked"
	case status == fiber.StatusServiceUnavailable:
		return "unavailable"
	case status < 500:
		return "invalid"
	}
	return "error"
}

// observe feeds the request metrics. It runs outermost, so it sees the
// final status, also of an error rendered by the ErrorHandler afterwards.
// The route label is the matched route's pattern, never the raw path.
func (s *server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = fiber.StatusInternalServerError
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		}
	}
	method := methodLabel(c.Method())
	route := "unmatched"
	if r := c.Route(); len(r.Handlers) > 0 && c.Locals(localUnmatched) == nil {
		route = r.Path // the registered pattern: a string Fiber never reuses
	}
	s.metrics.Request(method, route, status, time.Since(start))
	if door, ok := signInDoors[method+" "+route]; ok {
		result := signInResult(status)
		s.metrics.SignIn(door, result)
		if result == "locked" {
			s.metrics.Lockout(door)
		}
	}
	return err
}

// localUnmatched marks a request that reached the final catch-all of
// routes.go. Its route is a middleware route whose pattern is "/", which
// must not be counted as the home page.
const localUnmatched = "gatehouse_unmatched"

// unmatched is the catch-all at the end of routes.go: 404.
func unmatched(c *fiber.Ctx) error {
	c.Locals(localUnmatched, true)
	return fiber.ErrNotFound
}

// methodLabel maps the request method to a constant string: c.Method()
// points into a buffer Fiber reuses for the next request, and a label value
// must stay as it was.
func methodLabel(m string) string {
	for _, k := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodHead, fiber.MethodPut,
		fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if m == k {
			return k
		}
	}
	return "other"
}

// handleMetrics serves /metrics on the public listener, behind the bearer
// token (GATEHOUSE_METRICS_TOKEN); it is routed only when one is set.
func (s *server) handleMetrics() fiber.Handler {
	return adaptor.HTTPHandler(s.metrics.Handler(s.cfg.MetricsToken))
}
