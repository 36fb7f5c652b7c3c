package auth

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input limits shared by every front door.
const (
	maxEmailLen = 254
	maxNameLen  = 100
	maxBioLen   = 1000
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// cleanEmail validates an email address as entered and returns it trimmed.
// Display names, CR/LF and multiple addresses are refused (header injection).
func cleanEmail(raw string) (string, error) {
	email := strings.TrimSpace(raw)
	if email == "" {
		return "", FieldError("email", "Enter your email address.")
	}
	if len(email) > maxEmailLen || strings.ContainsAny(email, "\r\n,;<> \t") || hasControl(email) {
		return "", FieldError("email", "Enter a valid email address, like name@example.com.")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return "", FieldError("email", "Enter a valid email address, like name@example.com.")
	}
	return email, nil
}

// cleanUsername validates a chosen username and returns its canonical form.
// Chosen usernames never contain "@", so they can never collide with another
// member's email used as a login identifier.
func cleanUsername(raw string) (string, error) {
	u := Canonical(raw)
	if !usernameRE.MatchString(u) {
		return "", FieldError("username", "Use 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.")
	}
	return u, nil
}

// cleanText trims a free-text field and refuses control characters (other
// than newlines where multiline is true) and overlong values.
func cleanText(field, label, raw string, max int, multiline bool) (string, error) {
	s := strings.TrimSpace(raw)
	if !utf8.ValidString(s) {
		return "", FieldError(field, label+" contains invalid characters.")
	}
	if utf8.RuneCountInString(s) > max {
		return "", FieldError(field, label+" must be at most "+strconv.Itoa(max)+" characters.")
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return "", FieldError(field, label+" must not contain control characters or line breaks.")
		}
	}
	return s, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// mergeFields combines the Fields of several EINVALID errors into one, so a
// form can show every problem at once. nil errors are skipped.
func mergeFields(errs ...error) error {
	var out *Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		e := AsError(err)
		if e == nil {
			return err
		}
		if out == nil {
			out = &Error{Code: EINVALID, Message: "Please correct the errors below.", Fields: map[string]string{}}
		}
		for k, v := range e.Fields {
			if _, dup := out.Fields[k]; !dup {
				out.Fields[k] = v
			}
		}
	}
	if out == nil {
		return nil
	}
	return out
}
