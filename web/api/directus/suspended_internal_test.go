package directus

import (
	"testing"

	"gatehouse/internal/auth"
)

// TestSuspendedMapping: the core's suspended refusal (which it returns only
// after a correct password) is 401 USER_SUSPENDED; every other refused
// login stays 401 INVALID_CREDENTIALS.
func TestSuspendedMapping(t *testing.T) {
	if ve := mapError(auth.ErrSuspended, ctxCredentials); ve.Status != 401 || ve.Code != codeUserSuspended || ve.Message != "User suspended." {
		t.Fatalf("suspended: %+v", ve)
	}
	wrong := &auth.Error{Code: auth.EUNAUTHORIZED, Message: "Incorrect email or password."}
	if ve := mapError(wrong, ctxCredentials); ve.Code != codeInvalidCredentials {
		t.Fatalf("wrong password: %+v", ve)
	}
}
