package directus

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/web/api"
	"gatehouse/web/api/provider"
)

// Directus error codes (docs/contract.md §5, and Directus 11's
// packages/errors). USER_SUSPENDED is sent only to someone who gave the
// member's correct password (auth.IsSuspended); without it a suspended
// member's login answers INVALID_CREDENTIALS like a wrong password
// (docs/security.md B5).
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
	codeRecordNotUnique    = "RECORD_NOT_UNIQUE"
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
	msgUserSuspended      = "User suspended."
)

// vendorError is one resolved error: HTTP status, Directus code, message.
type vendorError struct {
	Status  int
	Code    string
	Message string
	Retry   int // seconds, for 429 and 503
	// Reason is INVALID_PAYLOAD's extensions.reason (the message is
	// "Invalid payload. <reason>.").
	Reason string
	// Field names the input of INVALID_PAYLOAD and RECORD_NOT_UNIQUE.
	Field string
}

// context in which an auth error is mapped: what EUNAUTHORIZED means.
type errContext int

const (
	// ctxCredentials: a password or an access token was refused → 401
	// INVALID_CREDENTIALS.
	ctxCredentials errContext = iota
	// ctxToken: a reset token was refused → 403 INVALID_TOKEN (expired:
	// 401 TOKEN_EXPIRED).
	ctxToken
	// ctxRefresh: a refresh token (or session cookie) was refused, unknown,
	// revoked or expired alike → 401 INVALID_CREDENTIALS, as Directus's
	// AuthenticationService.refresh answers.
	ctxRefresh
)

// mapError is THE mapping from auth error codes to Directus statuses and
// codes, for REST and GraphQL alike.
func mapError(err error, ec errContext) vendorError {
	var pe *providerError
	if errors.As(err, &pe) {
		return vendorError{Status: fiber.StatusForbidden, Code: codeInvalidProvider, Message: pe.msg}
	}
	var refused *provider.Refused
	if errors.As(err, &refused) {
		return vendorError{Status: fiber.StatusForbidden, Code: codeInvalidProvider, Message: refused.Error()}
	}
	var down *provider.Down
	if errors.As(err, &down) {
		return vendorError{Status: fiber.StatusServiceUnavailable, Code: codeUnavailable, Message: down.Error(), Retry: 30}
	}
	if auth.IsSuspended(err) {
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeUserSuspended, Message: msgUserSuspended}
	}
	code := auth.ErrorCode(err)
	if ec == ctxRefresh && (code == auth.EUNAUTHORIZED || code == auth.EEXPIRED) {
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeInvalidCredentials, Message: msgInvalidCredentials}
	}
	switch code {
	case auth.EINVALID:
		return invalidPayload(err)
	case auth.EUNAUTHORIZED:
		if ec == ctxToken {
			return vendorError{Status: fiber.StatusForbidden, Code: codeInvalidToken, Message: msgInvalidToken}
		}
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeInvalidCredentials, Message: msgInvalidCredentials}
	case auth.EOTP:
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeInvalidOTP, Message: "Invalid user OTP."}
	case auth.EEXPIRED:
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeTokenExpired, Message: "Token expired."}
	case auth.ENEWPASSWORD:
		return vendorError{Status: fiber.StatusUnauthorized, Code: codeNewPassword, Message: "A new password must be set before signing in: request a password reset."}
	case auth.EFORBIDDEN:
		// The core's reason (a proxy session, a sign-in that cannot be
		// linked) tells the member what to do; Directus's text says less.
		return vendorError{Status: fiber.StatusForbidden, Code: codeForbidden, Message: auth.ErrorMessage(err)}
	case auth.ENOTFOUND:
		return vendorError{Status: fiber.StatusForbidden, Code: codeForbidden, Message: "You don't have permission to access this."}
	case auth.ECONFLICT:
		field := firstField(err)
		if field == "" {
			return invalidPayload(err)
		}
		return vendorError{Status: fiber.StatusBadRequest, Code: codeRecordNotUnique,
			Message: fmt.Sprintf("Value for field %q in collection \"directus_users\" has to be unique.", field), Field: field}
	case auth.ERATELIMIT:
		retry := 60
		if s := api.RetryAfter(err); s > 0 {
			retry = s
		}
		return vendorError{Status: fiber.StatusTooManyRequests, Code: codeRequestsExceeded, Message: "Too many requests, retry after " + msText(retry) + ".", Retry: retry}
	case auth.EUNAVAILABLE:
		retry := 1
		if s := api.RetryAfter(err); s > 0 {
			retry = s
		}
		return vendorError{Status: fiber.StatusServiceUnavailable, Code: codeUnavailable, Message: "Under pressure, please try again later.", Retry: retry}
	}
	return vendorError{Status: fiber.StatusInternalServerError, Code: codeInternal, Message: "An unexpected error occurred."}
}

// invalidPayload is Directus's InvalidPayloadError: "Invalid payload.
// <reason>." with extensions.reason; the reason is the message of the first
// (alphabetically) field problem, or the error's own message.
func invalidPayload(err error) vendorError {
	field := firstField(err)
	reason := auth.ErrorMessage(err)
	if field != "" {
		reason = auth.ErrorFields(err)[field]
	}
	reason = strings.TrimRight(strings.TrimSpace(reason), ".")
	return vendorError{Status: fiber.StatusBadRequest, Code: codeInvalidPayload, Message: "Invalid payload. " + reason + ".", Reason: reason, Field: field}
}

// firstField is the alphabetically first field named by err ("" if none).
func firstField(err error) string {
	first := ""
	for f := range auth.ErrorFields(err) {
		if first == "" || f < first {
			first = f
		}
	}
	return first
}

// errorItem is one entry of the Directus "errors" array.
type errorItem struct {
	Message    string         `json:"message"`
	Extensions errorExtension `json:"extensions"`
}

type errorExtension struct {
	Code       string `json:"code"`
	Reason     string `json:"reason,omitempty"`
	Field      string `json:"field,omitempty"`
	Collection string `json:"collection,omitempty"`
	Path       string `json:"path,omitempty"`
}

// errorBody is the Directus error envelope.
type errorBody struct {
	Errors []errorItem `json:"errors"`
}

// combinedErrorBody is the envelope of the routes shared with openapi
// (docs/contract.md §7): the Directus array and the openapi code and message.
type combinedErrorBody struct {
	Errors  []errorItem `json:"errors"`
	Code    int         `json:"code"`
	Message string      `json:"message"`
}

func item(ve vendorError) errorItem {
	it := errorItem{Message: ve.Message, Extensions: errorExtension{Code: ve.Code, Reason: ve.Reason, Field: ve.Field}}
	if ve.Code == codeRecordNotUnique {
		it.Extensions.Collection = "directus_users"
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
	return c.Status(ve.Status).JSON(errorBody{Errors: []errorItem{item(ve)}})
}

// respondCombined writes err in the envelope of the routes shared with
// openapi (POST /auth/login, POST /auth/logout, unknown /auth routes).
func respondCombined(c *fiber.Ctx, d api.Deps, err error) error {
	ve := mapError(err, ctxCredentials)
	logInternal(c, d, err, ve)
	setRetry(c, ve)
	return c.Status(ve.Status).JSON(combinedErrorBody{Errors: []errorItem{item(ve)}, Code: ve.Status, Message: ve.Message})
}

// routeNotFound is Directus's RouteNotFoundError for the request's path.
func routeNotFound(c *fiber.Ctx) errorItem {
	path := strings.Clone(c.Path())
	return errorItem{Message: "Route " + path + " doesn't exist.", Extensions: errorExtension{Code: codeRouteNotFound, Path: path}}
}

// notFound answers an unknown route under a directus prefix.
func notFound(c *fiber.Ctx) error {
	return c.Status(fiber.StatusNotFound).JSON(errorBody{Errors: []errorItem{routeNotFound(c)}})
}

// notFoundCombined answers an unknown /auth route in the combined envelope.
func notFoundCombined(c *fiber.Ctx) error {
	it := routeNotFound(c)
	return c.Status(fiber.StatusNotFound).JSON(combinedErrorBody{Errors: []errorItem{it}, Code: fiber.StatusNotFound, Message: it.Message})
}

// payloadError is an EINVALID error with a message naming the problem.
func payloadError(msg string) error { return &auth.Error{Code: auth.EINVALID, Message: msg} }

// msText formats seconds as the ms package does in Directus's
// HitRateLimitError ("30s", "1m", "2h").
func msText(sec int) string {
	switch {
	case sec >= 3600:
		return strconv.Itoa((sec+1800)/3600) + "h"
	case sec >= 60:
		return strconv.Itoa((sec+30)/60) + "m"
	}
	return strconv.Itoa(sec) + "s"
}
