package api

import (
	"errors"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// MediaTypeError is the one refusal of a request body that is not JSON (or
// the form a seed documents). It wraps an EINVALID *auth.Error, so a dialect
// that does nothing special answers its 400 (or 422); a dialect that answers
// 415 Unsupported Media Type finds it with AsMediaTypeError. Each dialect's
// choice is in docs/dialects/<dialect>.md.
type MediaTypeError struct {
	ContentType string // as sent, "" when absent
	err         *auth.Error
}

func (e *MediaTypeError) Error() string { return e.err.Error() }

// Unwrap exposes the EINVALID domain error.
func (e *MediaTypeError) Unwrap() error { return e.err }

// AsMediaTypeError returns the MediaTypeError in err's chain, or nil.
func AsMediaTypeError(err error) *MediaTypeError {
	var e *MediaTypeError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsJSON reports whether a Content-Type header names JSON: application/json
// or any application/*+json, with any parameters (charset=utf-8). Matching
// is on the parsed media type, so "application/jsonp" or
// "text/plain; application/json" do not pass.
func IsJSON(contentType string) bool {
	mt := mediaType(contentType)
	return mt == fiber.MIMEApplicationJSON || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// mediaType returns the lower-case media type of a Content-Type header
// without its parameters ("" when absent or unparsable).
func mediaType(contentType string) string {
	if strings.TrimSpace(contentType) == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

func mediaTypeError(c *fiber.Ctx) error {
	ct := strings.Clone(c.Get(fiber.HeaderContentType))
	msg := "Content-Type must be application/json."
	if ct == "" {
		msg = "Content-Type is missing: send the body as application/json."
	}
	return &MediaTypeError{ContentType: ct, err: &auth.Error{Code: auth.EINVALID, Message: msg}}
}
