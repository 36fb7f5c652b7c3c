package directus

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
)

// Directus error codes (api-contract §5). USER_SUSPENDED is part of the
// vendor's vocabulary but never sent: a suspended member's login answers
// INVALID_CREDENTIALS exactly like a wrong password (checklist B5).
const (
	codeInvalidPayload     = "INVALID_PAYLOAD"
	codeInvalidCredentials = "INVALID_CREDENTIALS"
	codeInvalidOTP         = "INVALID_OTP"
	codeUserSuspended      = "USER_SUSPENDED"
	codeTokenExpired       = "TOKEN_EXPIRED"
	codeInvalidToken       = "INVALID_TOKEN"
	codeForbidden          = "FORBIDDEN"
	codeInvalidProvider    = "INVALID_PROVIDER"
	codeRouteNotFound      = "ROUTE_NOT_FOUND"
	codeRequestsExceeded   = "REQUESTS_EXCEEDED"
	codeInternal           = "INTERNAL_SERVER_ERROR"
	// codeUnavailable answers an overloaded server (hash queue full) with
	// 503 and Retry-After, as Directus does under its own load shedding.
	codeUnavailable = "SERVICE_UNAVAILABLE"
	// codeNewPassword answers a login with a temporary password: Directus has
	// no such state, so Gatehouse adds this code; the member sets a password
	// through /auth/password/request or the pages.
	codeNewPassword = "PASSWORD_CHANGE_REQUIRED"
)

// Messages the vendor uses verbatim.
const (
	msgInvalidCredentials = "Invalid user credentials."
	msgInvalidToken       = "Invalid token."
	msgRouteNotFound      = "Route doesn't exist."
)

// vendorError is one resolved error: HTTP status, Directus code, message.
type vendorError struct {
	Status  int
	Code    string
	Message string
	Retry   int // seconds, for 429 and 503
}

// context in which an auth error is mapped: what EUNAUTHORIZED means.
type errContext int

const (
	// ctxCredentials: a password or an access token was refused → 401
	// INVALID_CREDENTIALS.
	ctxCredentials errContext = iota
	// ctxToken: a refresh or reset token was refused → 403 INVALID_TOKEN.
	ctxToken
)

// mapError is THE mapping from auth error codes to Directus statuses and
// codes, for REST and GraphQL alike.
func mapError(err error, ec errContext) vendorError {
	var pe *providerError
	if errors.As(err, &pe) {
		return vendorError{fiber.StatusForbidden, codeInvalidProvider, pe.msg, 0}
	}
	msg := auth.ErrorMessage(err)
	switch auth.ErrorCode(err) {
	case auth.EINVALID:
		return vendorError{fiber.StatusBadRequest, codeInvalidPayload, msg, 0}
	case auth.EUNAUTHORIZED:
		if ec == ctxToken {
			return vendorError{fiber.StatusForbidden, codeInvalidToken, msgInvalidToken, 0}
		}
		return vendorError{fiber.StatusUnauthorized, codeInvalidCredentials, msgInvalidCredentials, 0}
	case auth.EOTP:
		return vendorError{fiber.StatusUnauthorized, codeInvalidOTP, "Invalid user OTP.", 0}
	case auth.EEXPIRED:
		return vendorError{fiber.StatusUnauthorized, codeTokenExpired, "Token expired.", 0}
	case auth.ENEWPASSWORD:
		return vendorError{fiber.StatusUnauthorized, codeNewPassword, "A new password must be set before signing in: request a password reset.", 0}
	case auth.EFORBIDDEN, auth.ENOTFOUND:
		return vendorError{fiber.StatusForbidden, codeForbidden, "You don't have permission to access this.", 0}
	case auth.ECONFLICT:
		return vendorError{fiber.StatusBadRequest, codeInvalidPayload, msg, 0}
	case auth.ERATELIMIT:
		retry := 60
		if s := api.RetryAfter(err); s > 0 {
			retry = s
		}
		return vendorError{fiber.StatusTooManyRequests, codeRequestsExceeded, "Too many requests, retry later.", retry}
	case auth.EUNAVAILABLE:
		retry := 1
		if s := api.RetryAfter(err); s > 0 {
			retry = s
		}
		return vendorError{fiber.StatusServiceUnavailable, codeUnavailable, "Under pressure, please try again later.", retry}
	}
	return vendorError{fiber.StatusInternalServerError, codeInternal, "An unexpected error occurred.", 0}
}

// errorItem is one entry of the Directus "errors" array.
type errorItem struct {
	Message    string         `json:"message"`
	Extensions errorExtension `json:"extensions"`
}

type errorExtension struct {
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
}

// errorBody is the Directus error envelope.
type errorBody struct {
	Errors []errorItem `json:"errors"`
}

// combinedErrorBody is the envelope of the routes shared with openapi
// (api-contract §7): the Directus array and the openapi code and message.
type combinedErrorBody struct {
	Errors  []errorItem `json:"errors"`
	Code    int         `json:"code"`
	Message string      `json:"message"`
}

func item(err error, ve vendorError) errorItem {
	it := errorItem{Message: ve.Message, Extensions: errorExtension{Code: ve.Code}}
	if ve.Code == codeInvalidPayload {
		for f := range auth.ErrorFields(err) {
			if it.Extensions.Field == "" || f < it.Extensions.Field {
				it.Extensions.Field = f
			}
		}
	}
	return it
}

// logInternal logs an unexpected error once, at the edge.
func logInternal(c *fiber.Ctx, d api.Deps, err error, ve vendorError) {
	if ve.Status >= 500 && ve.Status != fiber.StatusServiceUnavailable && d.Log != nil {
		d.Log.Error("directus request failed", "path", c.Path(), "request_id", api.RequestID(c), "err", err)
	}
}

func setRetry(c *fiber.Ctx, ve vendorError) {
	if ve.Retry > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ve.Retry))
	}
}

// respondError writes err in the Directus envelope (EUNAUTHORIZED meaning
// refused credentials).
func respondError(c *fiber.Ctx, d api.Deps, err error) error {
	return respondErrorIn(c, d, err, ctxCredentials)
}

// respondTokenError writes err in the Directus envelope for routes that take
// a refresh or reset token (EUNAUTHORIZED meaning INVALID_TOKEN).
func respondTokenError(c *fiber.Ctx, d api.Deps, err error) error {
	return respondErrorIn(c, d, err, ctxToken)
}

func respondErrorIn(c *fiber.Ctx, d api.Deps, err error, ec errContext) error {
	ve := mapError(err, ec)
	logInternal(c, d, err, ve)
	setRetry(c, ve)
	return c.Status(ve.Status).JSON(errorBody{Errors: []errorItem{item(err, ve)}})
}

// respondCombined writes err in the envelope of the routes shared with
// openapi (POST /auth/login, POST /auth/logout, unknown /auth routes).
func respondCombined(c *fiber.Ctx, d api.Deps, err error) error {
	ve := mapError(err, ctxCredentials)
	logInternal(c, d, err, ve)
	setRetry(c, ve)
	return c.Status(ve.Status).JSON(combinedErrorBody{Errors: []errorItem{item(err, ve)}, Code: ve.Status, Message: ve.Message})
}

// notFound answers an unknown route under a directus prefix.
func notFound(c *fiber.Ctx) error {
	it := errorItem{Message: msgRouteNotFound, Extensions: errorExtension{Code: codeRouteNotFound}}
	return c.Status(fiber.StatusNotFound).JSON(errorBody{Errors: []errorItem{it}})
}

// notFoundCombined answers an unknown /auth route in the combined envelope.
func notFoundCombined(c *fiber.Ctx) error {
	it := errorItem{Message: msgRouteNotFound, Extensions: errorExtension{Code: codeRouteNotFound}}
	return c.Status(fiber.StatusNotFound).JSON(combinedErrorBody{Errors: []errorItem{it}, Code: fiber.StatusNotFound, Message: msgRouteNotFound})
}

// payloadError is an EINVALID error with a message naming the problem.
func payloadError(msg string) error { return &auth.Error{Code: auth.EINVALID, Message: msg} }
