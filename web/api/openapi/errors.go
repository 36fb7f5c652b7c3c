package openapi

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// statuses is the one mapping from domain codes to this dialect's statuses.
// A taken email is a validation problem here (400 with errors.email), as
// the seed documents only 400 for register.
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

// respondError writes err as {"code","message"} (400s add "errors", naming
// the field; a problem with no field, such as malformed JSON, is reported
// under "body"). Internal errors are logged once and shown generically.
func respondError(c *fiber.Ctx, log *slog.Logger, err error) error {
	code := auth.ErrorCode(err)
	status := statusOf(code)
	if api.AsMediaTypeError(err) != nil {
		// A body that is not JSON (docs/dialects/openapi.md).
		status = fiber.StatusUnsupportedMediaType
	}
	body := errorBody{Code: status, Message: auth.ErrorMessage(err)}
	switch status {
	case fiber.StatusBadRequest:
		body.Errors = map[string]string{}
		for k, v := range auth.ErrorFields(err) {
			body.Errors[k] = v
		}
		if len(body.Errors) == 0 {
			body.Errors["body"] = body.Message
		}
	case fiber.StatusTooManyRequests, fiber.StatusServiceUnavailable:
		api.SetRetryAfter(c, err)
	case fiber.StatusInternalServerError:
		body.Message = "Internal error."
		if log != nil {
			log.Error("openapi", "path", c.Path(), "request_id", c.GetRespHeader("X-Request-Id"), "err", err)
		}
	}
	return c.Status(status).JSON(body)
}
