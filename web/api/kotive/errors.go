package kotive

import (
	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// msgBadCredentials is the one answer to every failed authentication: an
// unknown user, a wrong password or authToken, a suspended account and a
// missing Authorization header all look the same (docs/security.md B5).
const msgBadCredentials = "Invalid credentials: send HTTP Basic username:password or username:authToken."

// msgNewPassword answers a correct password of a member who must choose a
// new one first; the authToken is withheld until then.
const msgNewPassword = "A new password must be set before this account can log in: sign in on the web page to choose one, or request a reset link with POST /api/user/resetpassword."

// errNoCredentials is a request without any usable credential.
var errNoCredentials = &auth.Error{Code: auth.EUNAUTHORIZED, Message: msgBadCredentials}

// respondError is the one mapping from domain error codes to kotive statuses
// and the {"message"} envelope.
func respondError(c *fiber.Ctx, d api.Deps, err error) error {
	status, msg := fiber.StatusInternalServerError, "Internal error."
	if api.AsMediaTypeError(err) != nil {
		// A body that is not JSON (docs/dialects/kotive.md).
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(errorBody{Message: auth.ErrorMessage(err)})
	}
	switch code := auth.ErrorCode(err); code {
	case auth.EUNAUTHORIZED, auth.EEXPIRED:
		return unauthorized(c)
	case auth.EOTP:
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Gatehouse"`)
		status, msg = fiber.StatusUnauthorized, auth.ErrorMessage(err)
	case auth.ENEWPASSWORD:
		status, msg = fiber.StatusForbidden, msgNewPassword
	case auth.EINVALID:
		status, msg = fiber.StatusBadRequest, auth.ErrorMessage(err)
	case auth.EFORBIDDEN:
		status, msg = fiber.StatusForbidden, auth.ErrorMessage(err)
	case auth.ENOTFOUND:
		status, msg = fiber.StatusNotFound, auth.ErrorMessage(err)
	case auth.ECONFLICT:
		status, msg = fiber.StatusConflict, auth.ErrorMessage(err)
	case auth.ERATELIMIT:
		api.SetRetryAfter(c, err)
		status, msg = fiber.StatusTooManyRequests, auth.ErrorMessage(err)
	case auth.EUNAVAILABLE:
		api.SetRetryAfter(c, err)
		status, msg = fiber.StatusServiceUnavailable, auth.ErrorMessage(err)
	default:
		if d.Log != nil {
			d.Log.ErrorContext(c.UserContext(), "kotive: internal error", "request_id", c.GetRespHeader("X-Request-Id"),
				"method", c.Method(), "path", c.Path(), "err", err)
		}
	}
	return c.Status(status).JSON(errorBody{Message: msg})
}

// unauthorized is the 401 of every bad or missing credential.
func unauthorized(c *fiber.Ctx) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Gatehouse"`)
	return c.Status(fiber.StatusUnauthorized).JSON(errorBody{Message: msgBadCredentials})
}
