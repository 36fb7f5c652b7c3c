// Package static holds the stylesheet and images served under /static/.
// They are embedded so the server ships as a single binary.
package static

import "embed"

// FS holds css/, img/, docs/ (the API reference renderer, see
// docs/README.md) and passkey.js (the passkey ceremonies of the sign-in and
// account pages). Mount it under /static/ (for example with
// http.FS or Fiber's filesystem middleware); pages link to
// /static/css/app.css and /static/img/favicon.svg.
//
//go:embed css img docs passkey.js timezone.js
var FS embed.FS
