package web

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
	"gatehouse/web/api"
)

// statuses maps a domain error code to the HTTP status of a page response.
var statuses = api.StatusTable{
	auth.EINVALID:      fiber.StatusUnprocessableEntity,
	auth.EUNAUTHORIZED: fiber.StatusUnauthorized,
	auth.EEXPIRED:      fiber.StatusUnauthorized,
	auth.EFORBIDDEN:    fiber.StatusForbidden,
	auth.ENOTFOUND:     fiber.StatusNotFound,
	auth.ECONFLICT:     fiber.StatusConflict,
	auth.ERATELIMIT:    fiber.StatusTooManyRequests,
	auth.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
}

func statusOf(err error) int { return statuses.Of(auth.ErrorCode(err)) }

// fieldsOrForm returns the per-field messages of err, with a message that
// belongs to no field under the key "" (the form-level error).
func fieldsOrForm(err error) map[string]string {
	if f := auth.ErrorFields(err); len(f) > 0 {
		return f
	}
	return map[string]string{"": auth.ErrorMessage(err)}
}

// handleError is the Fiber ErrorHandler for pages: Fiber errors (404, 405,
// 413, 403 from CSRF) and domain errors render the error page with their
// status; anything else is logged with the request id and shown as a
// generic 500 without detail.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	status, title, msg := fiber.StatusInternalServerError, "Something went wrong", "Internal error. Please try again."
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status, msg = fe.Code, fe.Message
		title = titleFor(status)
		if status >= 500 {
			msg = "Internal error. Please try again."
		}
	case auth.AsError(err) != nil && auth.ErrorCode(err) != auth.EINTERNAL:
		status, msg = statusOf(err), auth.ErrorMessage(err)
		title = titleFor(status)
	}
	if status >= 500 && status != fiber.StatusServiceUnavailable {
		s.log.Error("internal error", "request_id", reqID(c), "path", logPath(c), "err", err.Error())
	}
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		if e := auth.AsError(err); e != nil && e.RetryAfter > 0 {
			c.Set("Retry-After", retryAfter(e.RetryAfter))
		}
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, status, views.ErrorPage(views.ErrorProps{Status: status, Title: title, Message: msg, Back: s.backTo(c)}))
}

// backTo is the page to offer "Back" to from an error: the same-site page
// in the Referer (path and query only), unless that is the very page that
// failed with a GET. Any other Referer gives "" (no Back link).
func (s *server) backTo(c *fiber.Ctx) string {
	ref := c.Get(fiber.HeaderReferer)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	base, berr := url.Parse(s.cfg.BaseURL)
	if err != nil || berr != nil || u.Host == "" || !strings.EqualFold(u.Host, base.Host) || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	back := u.EscapedPath()
	if u.RawQuery != "" {
		back += "?" + u.RawQuery
	}
	if c.Method() == fiber.MethodGet && back == string(c.Request().URI().RequestURI()) {
		return ""
	}
	return back
}

func titleFor(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return "Page not found"
	case fiber.StatusForbidden:
		return "Not allowed"
	case fiber.StatusMethodNotAllowed:
		return "Method not allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "Request too large"
	case fiber.StatusTooManyRequests:
		return "Too many attempts"
	case fiber.StatusUnauthorized:
		return "Sign in required"
	case fiber.StatusServiceUnavailable:
		return "Busy"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "Request refused"
}

// retryAfter formats a wait as whole seconds, rounded up, for Retry-After.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
