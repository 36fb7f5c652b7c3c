package openapi

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// statusOf is the one mapping from domain codes to this dialect's statuses.
// A taken email is a validation problem here (400 with errors.email), as
// the seed documents only 400 for register.
func statusOf(code string) int {
	switch code {
	case auth.EINVALID, auth.ECONFLICT:
		return fiber.StatusBadRequest
	case auth.EUNAUTHORIZED, auth.EEXPIRED, auth.EOTP:
		return fiber.StatusUnauthorized
	case auth.EFORBIDDEN, auth.ENEWPASSWORD:
		return fiber.StatusForbidden
	case auth.ENOTFOUND:
		return fiber.StatusNotFound
	case auth.ERATELIMIT:
		return fiber.StatusTooManyRequests
	case auth.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

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
