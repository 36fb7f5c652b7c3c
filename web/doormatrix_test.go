package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

// The door matrix (issue 9): every door that checks a secret, against every
// rule of the one gate (internal/auth/gate.go, change.go). A cell that does
// not apply says why in na; TestDoorMatrixComplete fails for a route that
// has neither a row nor a reason to be secret-free.

// The rules (doormatrix_rules_test.go runs them).
const (
	ruleThrottle  = "per-IP throttle"
	ruleLockout   = "per-account lockout"
	ruleTwoFactor = "two-factor"
	ruleProxy     = "proxy refusal"
	ruleIdentical = "identical failure"
)

var allRules = []string{ruleThrottle, ruleLockout, ruleTwoFactor, ruleProxy, ruleIdentical}

// doorKind is what a door's secret proves.
type doorKind int

const (
	loginDoor  doorKind = iota // an identifier and a password (or a password-like secret)
	changeDoor                 // a credential change from a session of the member
	codeDoor                   // a one-time code of a named member
	tokenDoor                  // a high-entropy token that names the member by itself
)

// door is one row.
type door struct {
	name  string
	route string // the route's key, as in routePolicy
	kind  doorKind
	mfa   bool // the door checks a TOTP code: the accounts have MFA on
	// try makes one attempt from c at who's account with the right secret
	// (good) or a wrong one. Token doors ignore who and good=true.
	try func(x *mx, c *client, who string, good bool) answer
	// prime prepares c to try at who without an attempt of its own (a
	// session, a pending code step), before a rule starts counting.
	prime func(x *mx, c *client, who string)
	// withCode signs in with the password and a TOTP code (login doors
	// that carry one).
	withCode func(x *mx, c *client, who, code string) answer
	ok       func(a answer) bool // the success answer; nil: 2xx or 303
	limited  func(a answer) bool // the rate-limit answer; nil: 429 with Retry-After
	refused  func(a answer) bool // the proxy refusal; nil: 403
	na       map[string]string   // rule → why it does not apply
}

func (d door) isOK(a answer) bool {
	if d.ok != nil {
		return d.ok(a)
	}
	return a.success()
}

func (d door) isLimited(a answer) bool {
	if d.limited != nil {
		return d.limited(a)
	}
	return a.status == http.StatusTooManyRequests && a.header.Get("Retry-After") != ""
}

func (d door) isRefused(a answer) bool {
	if d.refused != nil {
		return d.refused(a)
	}
	return a.status == http.StatusForbidden
}

// Reasons shared by many rows.
const (
	naTokenCounter = "a 256-bit token names no account: only the per-IP throttle counts (gate.go secretToken)"
	naTokenSame    = "a token names no account: every wrong token is the unknown case"
	naPasskey      = "a passkey assertion names no account until it is verified: only the per-IP throttle counts (gate.go secretToken)"
	// naPasskeyBrowser: a right passkey needs an authenticator, which only
	// the Chromium test has (cmd/gatehouse/browser_passkey_test.go).
	naPasskeyBrowser = "a valid assertion needs an authenticator: cmd/gatehouse/browser_passkey_test.go drives it"
	naNoSession      = "no session: the door's own secret is the only credential, there is none to act as someone"
	naResetMFA       = "a reset proves the mailbox, not the password; the next sign-in still asks for the code"
	naSessionBound   = "the session names the account: there is no unknown account to compare with"
	naLoginProxy     = "a login opens a session; it is not a change made from one"
)

// pageLoginOK: the pages sign in with 303 to /account (303 to /login/otp
// is the second step, not a sign-in).
func pageLoginOK(a answer) bool {
	return a.status == http.StatusSeeOther && a.header.Get("Location") == "/account"
}

// GraphQL answers errors with HTTP 200 and the Directus codes in the body.
func gqlOK(a answer) bool {
	return a.status == http.StatusOK && !strings.Contains(a.body, `"errors"`)
}
func gqlLimited(a answer) bool { return strings.Contains(a.body, "REQUESTS_EXCEEDED") }
func gqlRefused(a answer) bool { return strings.Contains(a.body, `"FORBIDDEN"`) }

func gql(x *mx, c *client, query string, headers ...string) answer {
	x.t.Helper()
	return x.api(c, "POST", "/graphql/system", map[string]any{"query": query}, headers...)
}

func bearer(x *mx, c *client, who string) []string {
	return []string{"Authorization", "Bearer " + x.token(c, who)}
}

func primeToken(x *mx, c *client, who string) { x.token(c, who) }

// doors is the matrix.
var doors = []door{
	{name: "page login", route: "POST /login", kind: loginDoor, ok: pageLoginOK,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.page(c, "/login", "/login", url.Values{"identifier": {who}, "password": {password(good)}})
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "page login code step", route: "POST /login/otp", kind: codeDoor, mfa: true, ok: pageLoginOK,
		try: func(x *mx, c *client, who string, good bool) answer {
			b := x.otpBrowser(c, who)
			otp := x.wrongCode(who)
			if good {
				otp = x.code(who)
			}
			r := b.submit("/login/otp", "/login/otp", url.Values{"otp": {otp}})
			x.usedCode(c, who, r.StatusCode)
			return answer{r.StatusCode, r.Header, r.body}
		},
		prime: func(x *mx, c *client, who string) { x.otpBrowser(c, who) },
		na: map[string]string{ruleTwoFactor: "this is the second factor", ruleProxy: naLoginProxy,
			ruleIdentical: "the pending sign-in names the account; the password step answered identically before"}},
	{name: "page change password", route: "POST /account/password", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			r := x.signIn(c, who).submit("/account", "/account/password", url.Values{"current_password": {password(good)},
				"new_password": {dmNewPassword}, "confirm_password": {dmNewPassword}})
			return answer{r.StatusCode, r.Header, r.body}
		},
		prime: func(x *mx, c *client, who string) { x.signIn(c, who) },
		na:    map[string]string{ruleIdentical: naSessionBound}},
	{name: "page two-factor setup", route: "POST /account/two-factor/setup", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			r := x.signIn(c, who).submit("/account", "/account/two-factor/setup", url.Values{"tfa_password": {password(good)}})
			return answer{r.StatusCode, r.Header, r.body}
		},
		prime: func(x *mx, c *client, who string) { x.signIn(c, who) },
		na: map[string]string{ruleTwoFactor: "setting up needs two-factor off (mfa.go GenerateTOTP)",
			ruleIdentical: naSessionBound}},
	{name: "page two-factor enable", route: "POST /account/two-factor/enable", kind: changeDoor,
		na: map[string]string{
			ruleThrottle:  "the code is for the secret setup just gave the member after the password: nothing of the account is guessed",
			ruleLockout:   "the code is for the secret setup just gave the member after the password: nothing of the account is guessed",
			ruleTwoFactor: "enabling needs two-factor off",
			ruleProxy:     "the secret comes only from setup, whose row shows the proxy refusal (both routes sit behind refuseProxied)",
			ruleIdentical: naSessionBound}},
	{name: "page recovery codes regenerate", route: "POST /account/two-factor/recovery-codes", kind: changeDoor, mfa: true,
		try: func(x *mx, c *client, who string, good bool) answer {
			r := x.signIn(c, who).submit("/account", "/account/two-factor/recovery-codes", url.Values{"regen_password": {password(good)}})
			return answer{r.StatusCode, r.Header, r.body}
		},
		prime: func(x *mx, c *client, who string) { x.signIn(c, who) },
		na:    map[string]string{ruleIdentical: naSessionBound}},
	{name: "page two-factor off", route: "POST /account/two-factor/disable", kind: changeDoor, mfa: true,
		try: func(x *mx, c *client, who string, good bool) answer {
			f := url.Values{"off_password": {password(false)}, "off_code": {x.wrongCode(who)}}
			if good {
				f = url.Values{"off_password": {goodPassword}, "off_code": {x.code(who)}}
			}
			r := x.signIn(c, who).submit("/account", "/account/two-factor/disable", f)
			return answer{r.StatusCode, r.Header, r.body}
		},
		prime: func(x *mx, c *client, who string) { x.signIn(c, who) },
		na:    map[string]string{ruleTwoFactor: "the door takes the code itself", ruleIdentical: naSessionBound}},
	{name: "page reset password", route: "POST /reset-password", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return x.page(c, "/login", "/reset-password", url.Values{"token": {randomSecret()},
				"password": {dmNewPassword}, "confirm": {dmNewPassword}})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleTwoFactor: naResetMFA, ruleProxy: naNoSession, ruleIdentical: naTokenSame}},
	{name: "page passkey sign-in", route: "POST /login/passkey/finish", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			x.page(c, "/login", "/login/passkey/begin", url.Values{})
			return x.page(c, "/login", "/login/passkey/finish", url.Values{"response": {
				`{"id":"` + randomSecret() + `","rawId":"` + randomSecret() + `","type":"public-key","response":{}}`}})
		},
		na: map[string]string{ruleLockout: naPasskey, ruleTwoFactor: "a passkey is two factors by itself (user verification required; internal/auth/passkey.go)",
			ruleProxy: naLoginProxy, ruleIdentical: naTokenSame}},
	{name: "page passkey as second factor", route: "POST /login/passkey/second/finish", kind: codeDoor, mfa: true,
		na: map[string]string{
			ruleThrottle:  naPasskeyBrowser + "; failures count on the code counter and the per-IP throttle like a code (passkey_login.go CompleteMFAWithPasskey)",
			ruleLockout:   naPasskeyBrowser + "; failures count on the member's code counter (gate.go secretCode)",
			ruleTwoFactor: "this is the second factor",
			ruleProxy:     naLoginProxy,
			ruleIdentical: "the pending sign-in names the account; the password step answered identically before"}},
	{name: "page new password", route: "POST /login/new-password", kind: tokenDoor,
		na: map[string]string{
			ruleThrottle:  "the challenge lives in the browser session, the client never sends it: nothing to guess",
			ruleLockout:   "the challenge lives in the browser session, the client never sends it: nothing to guess",
			ruleTwoFactor: "reached only after the code step of a member with MFA (login.go CompleteMFA)",
			ruleProxy:     naNoSession, ruleIdentical: naTokenSame}},

	{name: "kuroco login_challenge", route: "POST /rcms-api/:api_id/login", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/rcms-api/1/login", map[string]any{"email": who, "password": password(good)})
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "kuroco reset_password with a token", route: "POST /rcms-api/:api_id/reset_password", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": who,
				"current_password": password(good), "new_password": dmNewPassword}, "X-RCMS-API-ACCESS-TOKEN", x.token(c, who))
		},
		prime: primeToken,
		na:    map[string]string{ruleIdentical: naSessionBound}},
	{name: "kuroco reset_password without a token", route: "POST /rcms-api/:api_id/reset_password", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/rcms-api/1/reset_password", map[string]any{"login_id": who,
				"current_password": password(good), "new_password": dmNewPassword})
		},
		na: map[string]string{ruleProxy: naNoSession}},
	{name: "kuroco token (grant exchange)", route: "POST /rcms-api/:api_id/token", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return x.api(c, "POST", "/rcms-api/1/token", map[string]any{"grant_token": randomSecret()})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleProxy: naNoSession, ruleIdentical: naTokenSame,
			ruleTwoFactor: "a grant is minted only by a complete login (the code included)"}},
	{name: "kuroco reminder step 2", route: "POST /rcms-api/:api_id/reminder", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return x.api(c, "POST", "/rcms-api/1/reminder", map[string]any{"token": randomSecret(),
				"temp_pwd": "WRONGTEMP123", "login_pwd": dmNewPassword})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleTwoFactor: naResetMFA, ruleProxy: naNoSession, ruleIdentical: naTokenSame}},

	{name: "wme login", route: "POST /v1/login", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/v1/login", map[string]any{"username": who, "password": password(good)})
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "wme change-password", route: "POST /v1/change-password", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/v1/change-password", map[string]any{"access_token": x.token(c, who),
				"previous_password": password(good), "proposed_password": dmNewPassword})
		},
		prime: primeToken,
		na:    map[string]string{ruleIdentical: naSessionBound}},
	{name: "wme new-password-required", route: "POST /v1/new-password-required", kind: tokenDoor,
		try: func(x *mx, c *client, who string, _ bool) answer {
			return x.api(c, "POST", "/v1/new-password-required", map[string]any{"username": who,
				"session": randomSecret(), "new_password": dmNewPassword})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleProxy: naNoSession, ruleIdentical: naTokenSame,
			ruleTwoFactor: "wme login refuses a member with MFA before any challenge (it carries no code)"}},
	{name: "wme forgot-password-confirm", route: "POST /v1/forgot-password-confirm", kind: codeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			code := "WRONG234"
			if good && x.members[who].ID != 0 {
				code = x.resetCode(who)
			}
			return x.api(c, "POST", "/v1/forgot-password-confirm", map[string]any{"username": who,
				"confirmation_code": code, "password": dmNewPassword})
		},
		na: map[string]string{ruleTwoFactor: naResetMFA, ruleProxy: naNoSession}},

	{name: "kotive Basic login (GET)", route: "GET /api/login", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "GET", "/api/login", nil, "Authorization", dmBasic(who, password(good)))
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "kotive Basic login (POST)", route: "POST /api/login", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/api/login", nil, "Authorization", dmBasic(who, password(good)))
		},
		na: map[string]string{ruleProxy: naLoginProxy}},

	{name: "directus and openapi login", route: "POST /auth/login", kind: loginDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/auth/login", map[string]any{"email": who, "password": password(good)})
		},
		withCode: func(x *mx, c *client, who, code string) answer {
			return x.api(c, "POST", "/auth/login", map[string]any{"email": who, "password": goodPassword, "otp": code})
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "directus PATCH /users/me", route: "PATCH /users/me", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "PATCH", "/users/me", map[string]any{"password": dmNewPassword,
				"current_password": password(good)}, bearer(x, c, who)...)
		},
		prime: primeToken,
		na:    map[string]string{ruleIdentical: naSessionBound}},
	{name: "directus tfa generate", route: "POST /users/me/tfa/generate", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			return x.api(c, "POST", "/users/me/tfa/generate", map[string]any{"password": password(good)}, bearer(x, c, who)...)
		},
		prime: primeToken,
		na: map[string]string{ruleTwoFactor: "generating needs two-factor off (mfa.go GenerateTOTP)",
			ruleIdentical: naSessionBound}},
	{name: "directus tfa enable", route: "POST /users/me/tfa/enable", kind: changeDoor,
		try: func(x *mx, c *client, who string, good bool) answer {
			sec := dmTOTPSecret
			otp := totp(sec, x.e.Clock.Now())
			if !good {
				otp = "000000"
			}
			return x.api(c, "POST", "/users/me/tfa/enable", map[string]any{"secret": sec, "otp": otp}, bearer(x, c, who)...)
		},
		prime: primeToken,
		na: map[string]string{
			ruleThrottle:  "the code is for the secret the caller was just given (GenerateTOTP checked the password): nothing of the account is guessed",
			ruleLockout:   "the code is for the secret the caller was just given: nothing of the account is guessed",
			ruleTwoFactor: "enabling needs two-factor off", ruleIdentical: naSessionBound}},
	{name: "directus tfa disable", route: "POST /users/me/tfa/disable", kind: changeDoor, mfa: true,
		try: func(x *mx, c *client, who string, good bool) answer {
			tok := x.token(c, who)
			otp := x.wrongCode(who)
			if good {
				otp = x.code(who)
			}
			return x.api(c, "POST", "/users/me/tfa/disable", map[string]any{"otp": otp}, "Authorization", "Bearer "+tok)
		},
		prime: primeToken,
		na:    map[string]string{ruleTwoFactor: "the door takes the code itself", ruleIdentical: naSessionBound}},
	{name: "directus password reset", route: "POST /auth/password/reset", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return x.api(c, "POST", "/auth/password/reset", map[string]any{"token": randomSecret(), "password": dmNewPassword})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleTwoFactor: naResetMFA, ruleProxy: naNoSession, ruleIdentical: naTokenSame}},
	{name: "GraphQL auth_login", route: "POST /graphql/system", kind: loginDoor, ok: gqlOK, limited: gqlLimited, refused: gqlRefused,
		try: func(x *mx, c *client, who string, good bool) answer {
			return gql(x, c, fmt.Sprintf(`mutation { auth_login(email: %q, password: %q) { access_token } }`, who, password(good)))
		},
		withCode: func(x *mx, c *client, who, code string) answer {
			return gql(x, c, fmt.Sprintf(`mutation { auth_login(email: %q, password: %q, otp: %q) { access_token } }`, who, goodPassword, code))
		},
		na: map[string]string{ruleProxy: naLoginProxy}},
	{name: "GraphQL users_me_tfa_generate", route: "POST /graphql/system", kind: changeDoor, ok: gqlOK, limited: gqlLimited, refused: gqlRefused,
		try: func(x *mx, c *client, who string, good bool) answer {
			return gql(x, c, fmt.Sprintf(`mutation { users_me_tfa_generate(password: %q) { secret } }`, password(good)), bearer(x, c, who)...)
		},
		prime: primeToken,
		na: map[string]string{ruleTwoFactor: "generating needs two-factor off (mfa.go GenerateTOTP)",
			ruleIdentical: naSessionBound}},
	{name: "GraphQL auth_password_reset", route: "POST /graphql/system", kind: tokenDoor, ok: gqlOK, limited: gqlLimited, refused: gqlRefused,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return gql(x, c, fmt.Sprintf(`mutation { auth_password_reset(token: %q, password: %q) }`, randomSecret(), dmNewPassword))
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleTwoFactor: naResetMFA, ruleProxy: naNoSession, ruleIdentical: naTokenSame}},

	{name: "openapi reset-password", route: "POST /auth/reset-password", kind: tokenDoor,
		try: func(x *mx, c *client, _ string, _ bool) answer {
			return x.api(c, "POST", "/auth/reset-password?token="+url.QueryEscape(randomSecret()), map[string]any{"password": dmNewPassword})
		},
		na: map[string]string{ruleLockout: naTokenCounter, ruleTwoFactor: naResetMFA, ruleProxy: naNoSession, ruleIdentical: naTokenSame}},
}

// dmTOTPSecret is a valid TOTP secret (160 bits, base32) for tfa enable.
const dmTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// secretFree are the routes that check no secret through the gate, and
// why. A new route fails TestDoorMatrixComplete until it is a row of doors
// or listed here.
var secretFree = map[string]string{
	"GET /healthz": "infrastructure", "GET /readyz": "infrastructure", "GET /static/*": "static",
	"GET /users/me": "bearer access token", "ALL /users/me/*": "404 catch-all",
	"GET /login/with/:provider":             "redirects to a sign-in provider; checks no secret",
	"GET /login/with/:provider/callback":    "a provider's code, exchanged with the provider and checked by it (state, nonce, PKCE), not guessed through the gate",
	"GET /auth/login/:provider/callback":    "a provider's code, exchanged with the provider and checked by it (state, nonce, PKCE), not guessed through the gate",
	"GET /account/providers/:provider/link": "own session; redirects to a sign-in provider",
	"POST /account/providers/:id/unlink":    "own session (refused in a proxy session)", "GET /.well-known/jwks.json": "discovery",
	"GET /.well-known/openid-configuration": "discovery", "GET /favicon.ico": "static",
	"GET /openapi.json": "docs", "GET /docs": "docs", "GET /_dev/mail": "dev mail (dev mode only)",
	"GET /_dev/mail.json": "dev mail (dev mode only)",

	"GET /": "page", "GET /login": "form", "GET /login/new-password": "form", "GET /login/otp": "form",
	"GET /register": "form", "POST /register": "creates an account; checks no secret",
	"GET /forgot-password": "form", "POST /forgot-password": "asks for a reset mail; checks no secret",
	"GET /reset-password": "shows the form; the token is checked by POST", "POST /logout": "ends the own session",
	"POST /language":            "sets a language cookie; checks no secret",
	"POST /account/preferences": "own session only (refuses proxy sessions)",
	"GET /account":              "own session only", "POST /account/profile": "own session only (GuardProxy)",
	"POST /account/sessions/:id/revoke": "own session only", "POST /proxy/start/:id": "own session and a grant",
	"POST /proxy/stop": "own session", "POST /account/files": "own session", "POST /account/files/:id/delete": "own session",
	"GET /account/files/:id": "own session",

	"GET /account/activity":                   "own session only (GuardProxy)",
	"POST /account/activity/sessions/:id/end": "own session only (GuardProxy)",

	"GET /files/t=:token/:id/:name?":    "a file access token: a bearer credential looked up by hash, not guessed through the gate",
	"GET /files/:id/:name?":             "a file access token: a bearer credential looked up by hash, not guessed through the gate",
	"POST /login/passkey/begin":         "issues a challenge kept in the browser session; checks no secret",
	"POST /login/passkey/second/begin":  "issues a challenge for the pending sign-in kept in the browser session; the client sends no secret",
	"POST /account/passkeys/begin":      "own session (refused in a proxy session); issues a challenge",
	"POST /account/passkeys/finish":     "own session (refused in a proxy session); registers a new credential, checks no existing secret",
	"POST /account/passkeys/:id/rename": "own session (refused in a proxy session)",
	"POST /account/passkeys/:id/delete": "own session (refused in a proxy session)",

	// The OpenID Provider (web/oidc.go). The client secret of the token,
	// introspection and revocation endpoints is a 256-bit random value
	// checked through the gate as a token (the per-IP throttle only:
	// AuthenticateClient); no row here drives that throttle yet.
	"GET /authorize": "starts a sign-in request; checks no secret", "POST /authorize": "starts a sign-in request; checks no secret",
	"POST /account/apps/:client/revoke": "own session (refused in a proxy session)",
	"GET /admin/clients":                "admin page", "POST /admin/clients": "admin (Account Owners): registers an app; checks no secret",
	"POST /admin/clients/:client/delete": "admin (Account Owners)",
	"GET /authorize/continue":            "own session; records it on the sign-in request",
	"POST /authorize/continue":           "own session: consent, or signing in again",
	"GET /authorize/callback":            "issues the code of a signed-in request; checks no secret",
	"POST /oauth/token":                  "client secret (256-bit, gate throttle) and a code or refresh token: bearer credentials looked up by hash, with PKCE, rotation and reuse detection (oidc.go)",
	"POST /oauth/introspect":             "client secret (256-bit, gate throttle); the token is looked up by hash",
	"POST /revoke":                       "client secret (256-bit, gate throttle); the token is looked up by hash",
	"GET /userinfo":                      "bearer access token", "POST /userinfo": "bearer access token",
	"GET /end_session":  "an id_token_hint whose signature the provider verifies; ends the session it names",
	"POST /end_session": "an id_token_hint whose signature the provider verifies; ends the session it names",

	"POST /rcms-api/:api_id/logout": "bearer access token", "POST /rcms-api/:api_id/alias_login": "bearer access token and a grant",
	"GET /rcms-api/:api_id/profile": "bearer access token", "GET /rcms-api/:api_id/file_access_token": "bearer access token",
	"ALL /rcms-api": "404 catch-all", "ALL /rcms-api/*": "404 catch-all",

	"POST /v1/token-refresh": "refresh token: a bearer credential with rotation and reuse detection (tokens.go)",
	"POST /v1/token-revoke":  "refresh token revocation", "POST /v1/forgot-password": "asks for a reset code; checks no secret",
	"ALL /v1": "404 catch-all", "ALL /v1/*": "404 catch-all",

	"POST /api/user/resetpassword": "asks for a reset or an invitation; checks no secret",
	"POST /api/logout":             "bearer access token", "ALL /api": "404 catch-all", "ALL /api/*": "404 catch-all",

	"POST /auth": "bearer access token", "POST /auth/register": "creates an account; checks no secret",
	"POST /auth/refresh-tokens":   "refresh token: a bearer credential with rotation and reuse detection (tokens.go)",
	"POST /auth/forgot-password":  "asks for a reset mail; checks no secret",
	"POST /auth/logout":           "refresh token revocation",
	"POST /auth/refresh":          "refresh token: a bearer credential with rotation and reuse detection (tokens.go)",
	"POST /auth/password/request": "asks for a reset mail; checks no secret",
	"GET /auth":                   "provider list", "GET /auth/oauth": "provider list",
	"GET /auth/oauth/:provider": "OAuth redirect", "GET /auth/login/:provider": "OAuth redirect",
	"GET /auth/oauth/:provider/callback": "OAuth state and the provider's code, checked with the provider",
	"ALL /auth/*":                        "404 catch-all", "ALL /users/me/tfa": "404 catch-all", "ALL /users/me/tfa/*": "404 catch-all",
	"ALL /graphql": "404 catch-all", "ALL /graphql/*": "404 catch-all",

	"POST /account/two-factor/cancel": "drops the setup waiting in the browser session; checks no secret",
}

func init() {
	// The member editor: an administrator's own session; it sets (never
	// checks) passwords and refuses proxy sessions (TestAdminRoutesRefused).
	for k, p := range routePolicy {
		if p == admin {
			secretFree[k] = "admin session only"
		}
	}
}

// TestDoorMatrixComplete: every registered route (in both configurations,
// as TestRoutePolicy) is a row of the matrix or listed as secret-free, not
// both; every row names each rule either as applying or with a reason.
func TestDoorMatrixComplete(t *testing.T) {
	rows := map[string]bool{}
	for _, d := range doors {
		rows[d.route] = true
		for r := range d.na {
			if !contains(allRules, r) {
				t.Errorf("%s: unknown rule %q", d.name, r)
			}
		}
		if d.try == nil && len(d.na) != len(allRules) {
			t.Errorf("%s: a row without an attempt must give every rule a reason", d.name)
		}
	}
	seen := map[string]bool{}
	for k := range registeredRoutes(newEnv(t, envOptions{})) {
		seen[k] = true
	}
	for k := range registeredRoutes(newEnv(t, envOptions{noSMTP: true})) {
		seen[k] = true
	}
	var missing, stale, both []string
	for k := range seen {
		if !rows[k] && secretFree[k] == "" {
			missing = append(missing, k)
		}
	}
	for k := range rows {
		if !seen[k] {
			stale = append(stale, k)
		}
		if secretFree[k] != "" {
			both = append(both, k)
		}
	}
	for k := range secretFree {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	sort.Strings(both)
	if len(missing) > 0 {
		t.Errorf("routes that may check a secret have no row in doors and no reason in secretFree (web/doormatrix_test.go):\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("the matrix names routes that are not registered:\n  %s", strings.Join(stale, "\n  "))
	}
	if len(both) > 0 {
		t.Errorf("routes both in doors and in secretFree:\n  %s", strings.Join(both, "\n  "))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var _ = auth.ViaPage
