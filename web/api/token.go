package api

import (
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
)

// Credentials is what a request carried to authenticate itself.
type Credentials struct {
	Token     string // a bearer token from any carrier
	BasicUser string // the username of HTTP Basic, when Basic was used
	SessionID int64  // a browser session (the pages' cookie), when no token was sent
}

// Cookie names that carry tokens (docs/contract.md §1).
const (
	CookieDirectusSession = "directus_session_token"
	CookieDirectusRefresh = "directus_refresh_token"
	CookieKurocoAccess    = "rcms_api_access_token"
	CookieKurocoRefresh   = "rcms_api_refresh_token"
)

// ErrTwoCarriers is returned when a token arrives both in the query and in a
// header (directus answers 400).
var ErrTwoCarriers = &auth.Error{Code: auth.EINVALID, Message: "Send the access token in one place only: the access_token query parameter or a header, not both."}

// Extract finds the request's credentials in every accepted carrier, in this
// order: Authorization Bearer, X-RCMS-API-ACCESS-TOKEN, HTTP Basic
// user:token, ?access_token=, the directus and kuroco cookies, and the
// browser session cookie. It returns zero Credentials when none is present.
func Extract(c *fiber.Ctx, d Deps) (Credentials, error) {
	var cr Credentials
	header := false
	authz := strings.TrimSpace(c.Get(fiber.HeaderAuthorization))
	switch {
	case hasScheme(authz, "Bearer"):
		cr.Token, header = strings.TrimSpace(authz[len("Bearer"):]), true
	case hasScheme(authz, "Basic"):
		user, secret, ok := decodeBasic(authz[len("Basic"):])
		if ok {
			cr.BasicUser, cr.Token, header = user, secret, true
		}
	}
	if t := strings.TrimSpace(c.Get("X-RCMS-API-ACCESS-TOKEN")); t != "" && cr.Token == "" {
		cr.Token, header = t, true
	}
	if q := c.Query("access_token"); q != "" {
		if header {
			return Credentials{}, ErrTwoCarriers
		}
		cr.Token = q
	}
	if cr.Token == "" {
		for _, name := range []string{CookieDirectusSession, CookieKurocoAccess} {
			if v := c.Cookies(name); v != "" {
				cr.Token = v
				break
			}
		}
	}
	if cr.Token == "" && d.BrowserSession != nil {
		cr.SessionID = d.BrowserSession(c)
	}
	cr.Token = strings.Clone(cr.Token)
	cr.BasicUser = strings.Clone(cr.BasicUser)
	return cr, nil
}

// Authenticate extracts the credentials and resolves them to a live member
// and session through the auth service. No credentials, or dead ones, are
// EUNAUTHORIZED. A Basic username must name the token's member.
func Authenticate(c *fiber.Ctx, d Deps) (auth.Member, auth.Session, error) {
	cr, err := Extract(c, d)
	if err != nil {
		return auth.Member{}, auth.Session{}, err
	}
	ctx := c.UserContext()
	switch {
	case cr.Token != "":
		m, s, err := d.Auth.AuthenticateToken(ctx, cr.Token)
		if err == nil && cr.BasicUser != "" && auth.Canonical(cr.BasicUser) != m.Username && auth.Canonical(cr.BasicUser) != auth.Canonical(m.Email) {
			return auth.Member{}, auth.Session{}, errNoCredentials
		}
		return m, s, err
	case cr.SessionID != 0:
		return d.Auth.Authenticate(ctx, cr.SessionID)
	}
	return auth.Member{}, auth.Session{}, errNoCredentials
}

// SessionIfAny is the session of the request's credentials, or 0 when it
// carries none; credentials that are present but dead are an error.
func SessionIfAny(c *fiber.Ctx, d Deps) (int64, error) {
	cr, err := Extract(c, d)
	if err != nil || (cr.Token == "" && cr.SessionID == 0) {
		return 0, err
	}
	_, s, err := Authenticate(c, d)
	return s.ID, err
}

var errNoCredentials = &auth.Error{Code: auth.EUNAUTHORIZED, Message: "Authentication required: send a valid access token."}

func hasScheme(h, scheme string) bool {
	return len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) && h[len(scheme)] == ' '
}

// decodeBasic decodes the credentials of an HTTP Basic header.
func decodeBasic(v string) (user, secret string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return "", "", false
	}
	user, secret, ok = strings.Cut(string(raw), ":")
	return user, secret, ok && user != ""
}

// Basic returns the username and secret of an HTTP Basic header.
func Basic(c *fiber.Ctx) (user, secret string, ok bool) {
	authz := strings.TrimSpace(c.Get(fiber.HeaderAuthorization))
	if !hasScheme(authz, "Basic") {
		return "", "", false
	}
	user, secret, ok = decodeBasic(authz[len("Basic"):])
	return strings.Clone(user), strings.Clone(secret), ok
}
