package web

// RandomKey exposes the browser-session id generator to tests.
var RandomKey = randomKey
