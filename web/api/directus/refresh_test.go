package directus_test

import (
	"testing"
)

// TestT2: a refresh token is no bearer token, an access token no refresh
// token.
func TestT2(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, refresh := loginJSON(t, e, annEmail, annPass)
	wantError(t, probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+refresh), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/auth/refresh", map[string]string{"refresh_token": access}), 401, "INVALID_CREDENTIALS")
	wantError(t, gql(e, `mutation { auth_refresh(refresh_token: "`+access+`") { access_token } }`, nil), 200, "INVALID_CREDENTIALS")
	if r := probe(e, "/users/me/tfa/generate", "Authorization", "Bearer "+access); r.StatusCode != 200 {
		t.Fatalf("access token refused after the probes: %d %s", r.StatusCode, r.Body)
	}
}
