package outbox

import "errors"

// errNoResolver: a worker built without a Resolver cannot resolve requests.
var errNoResolver = errors.New("outbox: no resolver for reset requests")

// permanentError marks a send failure that no retry can fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err to tell the Worker that retrying is pointless (for
// example a recipient address that does not parse): the mail is dropped
// instead of retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err's chain holds an error made by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
