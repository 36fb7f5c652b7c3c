package directus_test

import (
	"strings"
	"testing"
	"time"
)

// TestMFA: generate → enable with a computed code → login needs the otp.
func TestMFA(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	bearer := []string{"Authorization", "Bearer " + access}

	wantError(t, e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": "wrong password"}, bearer...), 401, "INVALID_CREDENTIALS")
	wantError(t, e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": annPass}), 401, "INVALID_CREDENTIALS")
	r := e.Do("POST", "/users/me/tfa/generate", map[string]string{"password": annPass}, bearer...)
	data, _ := r.JSON()["data"].(map[string]any)
	secret, _ := data["secret"].(string)
	if url, _ := data["otpauth_url"].(string); secret == "" || !strings.HasPrefix(url, "otpauth://totp/") {
		t.Fatalf("generate: %d %s", r.StatusCode, r.Body)
	}
	wantError(t, e.Do("POST", "/users/me/tfa/enable", map[string]string{"secret": secret, "otp": "000000x"}, bearer...), 401, "INVALID_OTP")
	r = e.Do("POST", "/users/me/tfa/enable", map[string]string{"secret": secret, "otp": totp(t, secret, e.Clock.Now())}, bearer...)
	if r.StatusCode != 204 {
		t.Fatalf("enable: %d %s", r.StatusCode, r.Body)
	}

	r = e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass})
	wantError(t, r, 401, "INVALID_OTP")
	if r.JSON()["code"] != float64(401) {
		t.Fatalf("not the combined envelope: %s", r.Body)
	}
	wantError(t, e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "otp": "123456"}), 401, "INVALID_OTP")
	e.Clock.Advance(30 * time.Second) // the enable code's step is spent
	r = e.Do("POST", "/auth/login", map[string]string{"email": annEmail, "password": annPass, "otp": totp(t, secret, e.Clock.Now())})
	if r.StatusCode != 200 {
		t.Fatalf("login with otp: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Advance(30 * time.Second)
	r = gql(e, `mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }`, map[string]any{"otp": totp(t, secret, e.Clock.Now())}, bearer...)
	if string(r.Body) != `{"data":{"users_me_tfa_disable":true}}` {
		t.Fatalf("disable: %s", r.Body)
	}
	loginJSON(t, e, annEmail, annPass)
}
