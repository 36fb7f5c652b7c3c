package auth

import "errors"

// errSuspended refuses a suspended member whose password was right. Its code
// and message are those of errInvalidCredentials, so every front door that
// does not look for it answers exactly as for a wrong password; directus
// (whose vendor answers USER_SUSPENDED after a correct password) asks
// IsSuspended. A wrong password never reaches it: suspension is revealed
// only to someone who knows the password.
var errSuspended = &Error{Code: EUNAUTHORIZED, Message: errInvalidCredentials.Message}

// IsSuspended reports whether err refused a suspended member after a
// correct password.
func IsSuspended(err error) bool { return errors.Is(err, errSuspended) }
