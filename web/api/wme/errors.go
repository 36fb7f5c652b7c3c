package wme

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// statuses is the one mapping from auth error codes to wme statuses
// (docs/contract.md §3): 422 for a malformed or invalid body, 401 for bad
// credentials or tokens, 403 when a refresh token has minted its last access
// token, 429 when rate limited.
var statuses = api.StatusTable{
	auth.EINVALID:      fiber.StatusUnprocessableEntity,
	auth.EUNAUTHORIZED: fiber.StatusUnauthorized,
	auth.EEXPIRED:      fiber.StatusUnauthorized,
	auth.EOTP:          fiber.StatusUnauthorized,
	auth.ENEWPASSWORD:  fiber.StatusUnauthorized,
	auth.EFORBIDDEN:    fiber.StatusForbidden,
	auth.ENOTFOUND:     fiber.StatusNotFound,
	auth.ECONFLICT:     fiber.StatusConflict,
	auth.ERATELIMIT:    fiber.StatusTooManyRequests,
	auth.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
}

func statusOf(code string) int { return statuses.Of(code) }

// respondError writes err in the wme envelope {"message","status"}. A field
// problem's message names the field; a rate limit adds Retry-After; anything
// internal is logged with the request id and shown as "Internal error.".
func respondError(c *fiber.Ctx, d api.Deps, err error) error {
	code := auth.ErrorCode(err)
	status := statusOf(code)
	if api.AsMediaTypeError(err) != nil {
		// Neither JSON nor the form wme also takes (docs/dialects/wme.md).
		status = fiber.StatusUnsupportedMediaType
	}
	msg := auth.ErrorMessage(err)
	if status == fiber.StatusInternalServerError {
		if d.Log != nil {
			d.Log.Error("wme: internal error", "request_id", c.GetRespHeader("X-Request-Id"), "path", c.Path(), "err", err.Error())
		}
		msg = "Internal error."
	}
	if field := firstField(err); field != "" && !strings.Contains(msg, field) {
		msg = field + ": " + msg
	}
	if status == fiber.StatusTooManyRequests || status == fiber.StatusServiceUnavailable {
		api.SetRetryAfter(c, err)
	}
	return c.Status(status).JSON(errorResponse{Message: msg, Status: status})
}

// firstField returns the (alphabetically first) field an EINVALID error is
// about, or "".
func firstField(err error) string {
	if auth.ErrorCode(err) != auth.EINVALID {
		return ""
	}
	fields := auth.ErrorFields(err)
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// wireFields renames the fields of a domain error to the names of the wme
// request (the core says "new_password" where wme says
// "proposed_password"). renames alternates domain and wire names.
func wireFields(err error, renames ...string) error {
	to := make(map[string]string, len(renames)/2)
	for i := 0; i+1 < len(renames); i += 2 {
		to[renames[i]] = renames[i+1]
	}
	return api.RenameFields(err, to)
}

// unknownRoute answers every other request under /v1/: 405 (with Allow) for
// a wme path with a method other than POST, 404 for anything else.
func unknownRoute(known map[string]bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		path := strings.TrimRight(strings.ToLower(c.Path()), "/")
		if known[path] {
			c.Set(fiber.HeaderAllow, fiber.MethodPost)
			return c.Status(fiber.StatusMethodNotAllowed).JSON(errorResponse{
				Message: "Method " + strings.Clone(c.Method()) + " is not allowed here; use POST.",
				Status:  fiber.StatusMethodNotAllowed,
			})
		}
		return c.Status(fiber.StatusNotFound).JSON(errorResponse{Message: "Route not found.", Status: fiber.StatusNotFound})
	}
}
