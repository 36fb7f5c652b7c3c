package directus

import (
	"time"

	"gatehouse/internal/auth"
)

// Login and refresh modes (seed 003 "Login"; session as current Directus).
const (
	modeJSON    = "json"
	modeCookie  = "cookie"
	modeSession = "session"
)

// loginRequest is POST /auth/login (seed 003 "Login", docs/contract.md §7).
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
	Mode     string `json:"mode"`
}

// refreshRequest is POST /auth/refresh (seed 003 "Refresh").
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	Mode         string `json:"mode"`
}

// logoutRequest is POST /auth/logout: refresh_token (directus) or
// refreshToken (openapi), docs/contract.md §7.
type logoutRequest struct {
	RefreshToken  string `json:"refresh_token"`
	RefreshToken2 string `json:"refreshToken"`
	Mode          string `json:"mode"`
}

// passwordRequest is POST /auth/password/request.
type passwordRequest struct {
	Email    string `json:"email"`
	ResetURL string `json:"reset_url"`
}

// passwordReset is POST /auth/password/reset.
type passwordReset struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// tfaGenerateRequest, tfaEnableRequest and tfaDisableRequest are the
// /users/me/tfa/… bodies.
type tfaGenerateRequest struct {
	Password string `json:"password"`
}

type tfaEnableRequest struct {
	Secret string `json:"secret"`
	OTP    string `json:"otp"`
}

type tfaDisableRequest struct {
	OTP string `json:"otp"`
}

// authTokens is the Directus auth_tokens object; expires is milliseconds.
type authTokens struct {
	AccessToken  string `json:"access_token"`
	Expires      int64  `json:"expires"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// userView is the openapi "user" of the shared login answer.
type userView struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Bio   *string `json:"bio"`
	Email string  `json:"email"`
}

// tokenView and tokensView are the openapi "tokens" of the shared answer.
type tokenView struct {
	Token   string `json:"token"`
	Expires string `json:"expires"`
}

type tokensView struct {
	Access  tokenView  `json:"access"`
	Refresh *tokenView `json:"refresh,omitempty"`
}

// loginResponse is the answer of /auth/login and /auth/refresh: the
// Directus data plus the openapi user and tokens (docs/contract.md §7).
type loginResponse struct {
	Data   authTokens `json:"data"`
	User   userView   `json:"user"`
	Tokens tokensView `json:"tokens"`
}

// sessionData and sessionBody are the session-mode answer of login and
// refresh: only the lifetime of the session cookie, in milliseconds.
type sessionData struct {
	Expires int64 `json:"expires"`
}

type sessionBody struct {
	Data sessionData `json:"data"`
}

// dataBody wraps any Directus success payload.
type dataBody struct {
	Data any `json:"data"`
}

// tfaSecret is the data of /users/me/tfa/generate.
type tfaSecret struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

// providerView is one entry of GET /auth.
type providerView struct {
	Name   string `json:"name"`
	Label  string `json:"label"`
	Driver string `json:"driver"`
	Icon   string `json:"icon"`
}

// providersBody is GET /auth.
type providersBody struct {
	Data           []providerView `json:"data"`
	DisableDefault bool           `json:"disableDefault"`
}

// isoTime formats an expiry the openapi way (UTC, milliseconds).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func newUserView(m auth.Member) userView {
	name := m.Name
	if name == "" {
		name = m.DisplayName()
	}
	return userView{ID: m.ID, Name: name, Bio: m.Bio, Email: m.Email}
}
