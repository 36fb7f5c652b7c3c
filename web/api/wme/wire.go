package wme

// The wme wire types, with the JSON names of seed 001. Requests are decoded
// by api.DecodeJSONOrForm, which reads form bodies by the same json tags.

// loginRequest is the body of POST /v1/login.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenRefreshRequest is the body of POST /v1/token-refresh.
type tokenRefreshRequest struct {
	Username     string `json:"username"`
	RefreshToken string `json:"refresh_token"`
}

// tokenRevokeRequest is the body of POST /v1/token-revoke.
type tokenRevokeRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// forgotPasswordRequest is the body of POST /v1/forgot-password.
type forgotPasswordRequest struct {
	Username string `json:"username"`
}

// forgotPasswordConfirmRequest is the body of POST /v1/forgot-password-confirm.
type forgotPasswordConfirmRequest struct {
	Username         string `json:"username"`
	Password         string `json:"password"`
	ConfirmationCode string `json:"confirmation_code"`
}

// changePasswordRequest is the body of POST /v1/change-password.
type changePasswordRequest struct {
	AccessToken      string `json:"access_token"`
	PreviousPassword string `json:"previous_password"`
	ProposedPassword string `json:"proposed_password"`
}

// newPasswordRequiredRequest is the body of POST /v1/new-password-required.
type newPasswordRequiredRequest struct {
	Session     string `json:"session"`
	Username    string `json:"username"`
	NewPassword string `json:"new_password"`
}

// loginResponse is the 200 body of /v1/login: every member the seed lists,
// always present. With tokens, challenge_name and session are null; with
// the NEW_PASSWORD_REQUIRED challenge, the tokens and expires_in are null.
type loginResponse struct {
	ChallengeName *string `json:"challenge_name"`
	IDToken       *string `json:"id_token"`
	AccessToken   *string `json:"access_token"`
	RefreshToken  *string `json:"refresh_token"`
	Session       *string `json:"session"`
	ExpiresIn     *int    `json:"expires_in"`
}

// newPasswordResponse is the 200 body of /v1/new-password-required: the
// seed's members (no challenge_name), session null once the challenge is
// answered.
type newPasswordResponse struct {
	IDToken      *string `json:"id_token"`
	AccessToken  *string `json:"access_token"`
	RefreshToken *string `json:"refresh_token"`
	Session      *string `json:"session"`
	ExpiresIn    *int    `json:"expires_in"`
}

// str is a present string member; "" is null.
func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// refreshResponse is the 200 body of /v1/token-refresh: no new refresh
// token, since wme keeps the one it was given (docs/contract.md §1).
type refreshResponse struct {
	IDToken     string `json:"id_token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// errorResponse is every wme error: {"message","status"}.
type errorResponse struct {
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// challengeNewPassword is the only challenge wme answers with.
const challengeNewPassword = "NEW_PASSWORD_REQUIRED"
