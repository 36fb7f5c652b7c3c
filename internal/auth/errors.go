package auth

import (
	"errors"
	"fmt"
	"time"
)

// Error codes shared by every transport. Each transport (the pages and each
// API dialect) maps these codes to its own status and envelope in one place.
const (
	EINVALID      = "invalid"      // bad input; Fields names the problems
	EUNAUTHORIZED = "unauthorized" // bad or missing credentials
	EFORBIDDEN    = "forbidden"    // authenticated but not permitted
	ENOTFOUND     = "not_found"    // no such thing (or not visible to the caller)
	ECONFLICT     = "conflict"     // unique value already taken
	ERATELIMIT    = "rate_limited" // too many attempts; RetryAfter says how long
	EEXPIRED      = "expired"      // token or link past its lifetime
	ENEWPASSWORD  = "new_password_required"
	EOTP          = "invalid_otp" // MFA is on and the one-time password is missing or wrong
	EUNAVAILABLE  = "unavailable" // overloaded (hash queue full); RetryAfter says when to retry
	EINTERNAL     = "internal"    // anything unexpected; never shown in detail
)

// Error is the one error type the domain returns. Message is safe to show to
// the user; Fields carries per-input messages keyed by the input's name.
type Error struct {
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration
	// Challenge carries an opaque value for follow-up steps (for example the
	// new-password challenge), when the code asks for one.
	Challenge string
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error for a single input field.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: map[string]string{field: message}}
}

// ErrorCode returns the code of an *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message,
// or a generic text for anything internal (details go to the log only).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of err, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// refusal is what a use case answers when the store refused a step: the
// domain's refusal when the store answered with a domain error (the token
// is used, the row is gone), else err itself, so that a failing store is
// an internal error and a transaction the store must run again
// (PostgreSQL's serialization failures) is retried rather than taken for
// a bad token.
func refusal(err, refused error) error {
	if AsError(err) == nil {
		return err
	}
	return refused
}
