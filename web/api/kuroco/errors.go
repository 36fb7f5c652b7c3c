package kuroco

import (
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// headerRequestID is the header every kuroco response carries; error bodies
// repeat it as "x-rcms-request-id".
const headerRequestID = "x-rcms-request-id"

// requestInfo is what withRequest leaves in the context for respondError.
type requestInfo struct {
	id  string
	log *slog.Logger
}

const localRequest = "kuroco.request"

// codeMediaType is the error code of a body that is not JSON (415).
const codeMediaType = "unsupported_media_type"

// withRequest gives every kuroco response (success or error) an
// x-rcms-request-id header: the request's id (a UUID v4, the same as
// X-Request-Id and the access log's request_id).
func withRequest(d api.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := api.RequestID(c)
		c.Locals(localRequest, requestInfo{id: id, log: d.Log})
		c.Set(headerRequestID, id)
		return c.Next()
	}
}

// checkAPIID refuses an {api_id} that is not a positive integer with 404.
func checkAPIID(c *fiber.Ctx) error {
	raw := c.Params("api_id")
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 || strings.TrimLeft(raw, "0123456789") != "" {
		return respondError(c, &auth.Error{Code: auth.ENOTFOUND,
			Message: fmt.Sprintf("Unknown API %q: api_id must be a positive integer.", raw)})
	}
	return c.Next()
}

// unknownRoute answers every other path under /rcms-api.
func unknownRoute(c *fiber.Ctx) error {
	return respondError(c, &auth.Error{Code: auth.ENOTFOUND,
		Message: fmt.Sprintf("Unknown endpoint: %s %s.", c.Method(), c.Path())})
}

// statuses is the one mapping from domain error codes to kuroco statuses
// (docs/contract.md §2): 400 validation, 401 bad credentials or token, 403
// not permitted, 404 unknown, 429 rate limited. ENEWPASSWORD: the password
// was right, but kuroco has no new-password step (docs/contract.md §3), so
// the login is refused (403) with the core's message that a new password
// must be set.
var statuses = api.StatusTable{
	auth.EINVALID:      fiber.StatusBadRequest,
	auth.ECONFLICT:     fiber.StatusBadRequest,
	auth.EUNAUTHORIZED: fiber.StatusUnauthorized,
	auth.EEXPIRED:      fiber.StatusUnauthorized,
	auth.EOTP:          fiber.StatusUnauthorized,
	auth.EFORBIDDEN:    fiber.StatusForbidden,
	auth.ENEWPASSWORD:  fiber.StatusForbidden,
	auth.ENOTFOUND:     fiber.StatusNotFound,
	auth.ERATELIMIT:    fiber.StatusTooManyRequests,
	auth.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
}

func statusOf(code string) int { return statuses.Of(code) }

// respondError writes err in the kuroco envelope:
// {"errors":[{"code","message","field"?}],"messages":[],"x-rcms-request-id"}.
// A field problem gets one entry per field; anything that is not a domain
// error is logged with the request id and shown as "Internal error.".
func respondError(c *fiber.Ctx, err error) error {
	info, _ := c.Locals(localRequest).(requestInfo)
	if api.AsMediaTypeError(err) != nil {
		// 415 with its own code, so a client can tell "send JSON" from a
		// field problem (docs/dialects/kuroco.md).
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(errorResponse{Messages: []string{}, RequestID: info.id,
			Errors: []wireError{{Code: codeMediaType, Message: auth.ErrorMessage(err)}}})
	}
	code := auth.ErrorCode(err)
	status := statusOf(code)
	if status == fiber.StatusInternalServerError {
		code = auth.EINTERNAL
		if info.log != nil {
			info.log.Error("kuroco: internal error", "request_id", info.id, "path", c.Path(), "err", err)
		}
	}
	body := errorResponse{Messages: []string{}, RequestID: info.id}
	fields := auth.ErrorFields(err)
	if status == fiber.StatusInternalServerError {
		fields = nil
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body.Errors = append(body.Errors, wireError{Code: code, Message: fields[name], Field: name})
	}
	if len(body.Errors) == 0 {
		msg := auth.ErrorMessage(err)
		if status == fiber.StatusInternalServerError {
			msg = "Internal error."
		}
		body.Errors = []wireError{{Code: code, Message: msg}}
	}
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		api.SetRetryAfter(c, err)
	}
	return c.Status(status).JSON(body)
}
