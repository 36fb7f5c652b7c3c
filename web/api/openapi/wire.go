package openapi

import (
	"time"

	"gatehouse/internal/auth"
)

// The seed's JSON types (004, "Schemas" and the operation bodies), with the
// tags exactly as the seed writes them.

// userWire is the seed's User schema; register adds the id.
type userWire struct {
	ID    int64   `json:"id,omitempty"`
	Name  string  `json:"name"`
	Bio   *string `json:"bio"`
	Email string  `json:"email"`
}

func userOf(m auth.Member, withID bool) userWire {
	u := userWire{Name: m.DisplayName(), Bio: m.Bio, Email: m.Email}
	if withID {
		u.ID = m.ID
	}
	return u
}

// tokenWire is one token with its ISO-8601 expiry.
type tokenWire struct {
	Token   string `json:"token"`
	Expires string `json:"expires"`
}

// tokensWire is the access/refresh pair of register and refresh-tokens.
type tokensWire struct {
	Access  tokenWire `json:"access"`
	Refresh tokenWire `json:"refresh"`
}

func tokensOf(t auth.Tokens) tokensWire {
	return tokensWire{
		Access:  tokenWire{Token: t.Access, Expires: isoTime(t.AccessExpires)},
		Refresh: tokenWire{Token: t.Refresh, Expires: isoTime(t.RefreshExpires)},
	}
}

// isoTime is the JavaScript Date.toISOString form the seed's clients parse:
// UTC with milliseconds, e.g. 2025-01-02T03:04:05.678Z.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// welcomeResponse answers POST /auth.
type welcomeResponse struct {
	Message string   `json:"message"`
	User    userWire `json:"user"`
}

// registerRequest is the body of POST /auth/register.
type registerRequest struct {
	Name     string  `json:"name"`
	Bio      *string `json:"bio"`
	Email    string  `json:"email"`
	Password string  `json:"password"`
	Confirm  string  `json:"confirm"`
}

// registerResponse answers POST /auth/register.
type registerResponse struct {
	User   userWire   `json:"user"`
	Tokens tokensWire `json:"tokens"`
}

// refreshRequest is the body of POST /auth/refresh-tokens.
type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

// resetPasswordRequest is the body of POST /auth/reset-password.
type resetPasswordRequest struct {
	Password string `json:"password"`
}

// forgotPasswordRequest is the body of POST /auth/forgot-password.
type forgotPasswordRequest struct {
	Email string `json:"email"`
}

// errorBody is the error envelope; errors is set on 400s only.
type errorBody struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Errors  map[string]string `json:"errors,omitempty"`
}
