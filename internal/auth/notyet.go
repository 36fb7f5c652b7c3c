package auth

// errNotYet marks a use case whose body has not landed yet. Temporary: it
// goes away once every use case is implemented.
var errNotYet = &Error{Code: EINTERNAL, Message: "Not implemented yet."}
