package auth

import "errors"

// ErrSuspended refuses a suspended member whose password was right. Its
// code and message are those of the generic failed login, so every front
// door that does not look for it answers exactly as for a wrong password;
// directus (whose vendor answers USER_SUSPENDED after a correct password)
// asks IsSuspended. Only checkPassword may return it, after the password
// matched: suspension is revealed only to someone who knows the password.
var ErrSuspended = &Error{Code: EUNAUTHORIZED, Message: errInvalidCredentials.Message}

// IsSuspended reports whether err refused a suspended member after a
// correct password.
func IsSuspended(err error) bool { return errors.Is(err, ErrSuspended) }
