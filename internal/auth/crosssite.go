package auth

// errCrossSiteCookie answers a cookie sign-in that another site started.
var errCrossSiteCookie = &Error{Code: EFORBIDDEN,
	Message: "A sign-in that sets a cookie must come from this site; this request came from another one."}

// CookieSignIn is the one rule for every API door that answers with a
// session cookie (directus /auth/login and /auth/refresh in cookie and
// session mode and their GraphQL mutations, kuroco login and token in
// cookie mode): it refuses, before any secret is checked or any row
// written, a request the browser marks Sec-Fetch-Site: cross-site. Such a
// request is another site's page driving the victim's browser; answering
// it with a cookie would sign the victim in to the attacker's account
// (login CSRF) or refresh their session on the attacker's behalf.
// same-origin, same-site (a sibling subdomain, such as an admin app),
// none (typed in, bookmarks) and no header at all (non-browser clients,
// older browsers) pass: JSON-only bodies (web/api/decode.go) already keep
// old browsers' cross-site forms out. A door whose answer sets no cookie
// does not ask: its tokens reach only a caller who can read the answer.
func CookieSignIn(meta ClientMeta) error {
	if meta.FetchSite == "cross-site" {
		return errCrossSiteCookie
	}
	return nil
}
