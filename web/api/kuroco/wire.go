package kuroco

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/auth"
)

// The kuroco wire types, with the JSON names of seed 000 and docs/contract.md §2.

// wireError is one entry of "errors".
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// errorResponse is the kuroco error envelope.
type errorResponse struct {
	Errors    []wireError `json:"errors"`
	Messages  []string    `json:"messages"`
	RequestID string      `json:"x-rcms-request-id"`
}

// loginRequest is login_challenge's body.
type loginRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	LoginSave flag   `json:"login_save"`
}

// grantResponse answers login_challenge and alias_login.
type grantResponse struct {
	GrantToken string      `json:"grant_token"`
	Status     int         `json:"status"`
	MemberID   int64       `json:"member_id"`
	Info       grantInfo   `json:"info"`
	Messages   []string    `json:"messages"`
	Errors     []wireError `json:"errors"`
}

type grantInfo struct {
	ValidUntil int64 `json:"validUntil"` // unix seconds
}

func newGrantResponse(m auth.Member, g auth.Grant) grantResponse {
	return grantResponse{GrantToken: g.Token, MemberID: m.ID, Info: grantInfo{ValidUntil: g.ExpiresAt.Unix()},
		Messages: []string{}, Errors: []wireError{}}
}

// tokenRequest is token's body: a grant, a refresh token, or neither (an
// anonymous token). Pointers tell an absent field from an empty one.
type tokenRequest struct {
	GrantToken   *string `json:"grant_token"`
	RefreshToken *string `json:"refresh_token"`
}

// tokenValue is a token with its expiry in unix seconds.
type tokenValue struct {
	Value     string `json:"value"`
	ExpiresAt int64  `json:"expiresAt"`
}

// tokenResponse answers token; a refresh (kuroco does not rotate) and an
// anonymous token carry no refresh_token.
type tokenResponse struct {
	AccessToken  tokenValue  `json:"access_token"`
	RefreshToken *tokenValue `json:"refresh_token,omitempty"`
	Status       int         `json:"status"`
	Messages     []string    `json:"messages"`
	Errors       []wireError `json:"errors"`
}

func newTokenResponse(t auth.Tokens) tokenResponse {
	r := tokenResponse{AccessToken: tokenValue{t.Access, unix(t.AccessExpires)}, Messages: []string{}, Errors: []wireError{}}
	if t.Refresh != "" {
		r.RefreshToken = &tokenValue{t.Refresh, unix(t.RefreshExpires)}
	}
	return r
}

// fileTokenResponse answers file_access_token.
type fileTokenResponse struct {
	FileAccessToken tokenValue  `json:"file_access_token"`
	Messages        []string    `json:"messages"`
	Errors          []wireError `json:"errors"`
}

// aliasLoginRequest is alias_login's body.
type aliasLoginRequest struct {
	AliasLoginID *memberID `json:"aliaslogin_id"`
	// Reason is why the member logs in as the target (required, 3–500
	// characters; docs/decisions.md "Audit events and proxy safeguards").
	Reason string `json:"reason"`
}

// statusResponse answers logout.
type statusResponse struct {
	Status   int         `json:"status"`
	Messages []string    `json:"messages"`
	Errors   []wireError `json:"errors"`
}

// messageResponse answers reminder and reset_password.
type messageResponse struct {
	Errors   []wireError `json:"errors"`
	Messages []string    `json:"messages"`
}

func message(text string) messageResponse {
	return messageResponse{Errors: []wireError{}, Messages: []string{text}}
}

// reminderRequest is reminder's body: step 1 sends email, step 2 sends
// token, temp_pwd and login_pwd.
type reminderRequest struct {
	Email    *string `json:"email"`
	Token    *string `json:"token"`
	TempPwd  *string `json:"temp_pwd"`
	LoginPwd *string `json:"login_pwd"`
}

// resetPasswordRequest is reset_password's body.
type resetPasswordRequest struct {
	LoginID         loginID `json:"login_id"`
	CurrentPassword string  `json:"current_password"`
	NewPassword     string  `json:"new_password"`
}

// profileResponse answers profile.
type profileResponse struct {
	MemberID         int64       `json:"member_id"`
	Email            string      `json:"email"`
	Name1            string      `json:"name1"`
	Name2            string      `json:"name2"`
	AliasLoginTarget []int64     `json:"aliaslogin_target"`
	Errors           []wireError `json:"errors"`
	Messages         []string    `json:"messages"`
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// flag is a 0/1 switch such as login_save; it also accepts true/false and
// "0"/"1", as Kuroco front ends send all three.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "0", "false", `"0"`, `""`, "null":
		*f = false
	case "1", "true", `"1"`:
		*f = true
	default:
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[int]()}
	}
	return nil
}

// loginID is reset_password's login_id: a member id or an email, sent as a
// JSON string or number.
type loginID string

func (l *loginID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = loginID(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[string]()}
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return &json.UnmarshalTypeError{Value: "number " + n.String(), Type: reflect.TypeFor[string]()}
	}
	*l = loginID(n.String())
	return nil
}

// memberID is a member id sent as a JSON number or a numeric string.
type memberID int64

func (m *memberID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	kind := jsonValueKind(b)
	if kind == "string" {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[int64]()}
	}
	*m = memberID(n)
	return nil
}

// jsonValueKind names the kind of a raw JSON value for error messages.
func jsonValueKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
