package kotive_test

import (
	"testing"

	"gatehouse/internal/testenv"
)

// TestResetPasswordTakesOnlyJSON: POST /api/user/resetpassword refuses a
// valid JSON body sent as text/plain, without a Content-Type or urlencoded
// with 415 {"message"}, queueing no mail (the answer differs from the
// uniform "OK" only by the media type, which says nothing about the
// address). The same body as JSON then succeeds. Login and logout read only
// the Authorization header and need no body.
func TestResetPasswordTakesOnlyJSON(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", password)
	for _, email := range []string{"ann@example.com", "stranger@example.com"} {
		body := `{"email":"` + email + `"}`
		for _, r := range e.NotJSON("POST", "/api/user/resetpassword", body, testenv.CrossSiteTypes) {
			msg, _ := r.JSON()["message"].(string)
			if r.StatusCode != 415 || msg == "" {
				t.Errorf("%s as %q: %d %s, want 415 with a message", email, r.Request.Header.Get("Content-Type"), r.StatusCode, r.Body)
			}
		}
		if r := e.Do("POST", "/api/user/resetpassword", body); r.StatusCode != 200 || string(r.Body) != "OK" {
			t.Fatalf("%s as JSON: %d %s", email, r.StatusCode, r.Body)
		}
	}
	token := mustLogin(t, e, "ann@example.com", password)
	if r := e.Do("POST", "/api/logout", nil, "Authorization", basic("ann@example.com", token)); r.StatusCode != 200 {
		t.Fatalf("logout without a body: %d %s", r.StatusCode, r.Body)
	}
}
