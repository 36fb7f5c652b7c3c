package wme_test

import (
	"testing"

	"gatehouse/internal/testenv"
)

// TestChangePasswordErrors: wrong previous password is 401, a weak proposed
// password names the field, a dead access token is 401.
func TestChangePasswordErrors(t *testing.T) {
	e := newEnv(t, testenv.Options{})
	e.member(annEmail, "ann", annPass)
	tok := e.login("ann", annPass)
	access := str(tok, "access_token")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": "wrong password", "proposed_password": annNew}), 401, "previous_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": "short"}), 422, "proposed_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": "password"}), 422, "proposed_password")
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": "garbage", "previous_password": annPass, "proposed_password": annNew}), 401)
	e.login("ann", annPass)
	expect(t, e.post("/v1/token-revoke", map[string]string{"refresh_token": str(tok, "refresh_token")}), 204)
	expectError(t, e.post("/v1/change-password", map[string]string{"access_token": access, "previous_password": annPass, "proposed_password": annNew}), 401)
	e.login("ann", annPass)
}
