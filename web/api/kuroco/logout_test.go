package kuroco_test

import (
	"testing"

	"gatehouse/web/api/apitest"
)

// TestLogoutBadInput (docs/contract.md §2): logout: a malformed body, no access
// token get a 4xx kuroco envelope whose message names the problem — never a
// 500.
func TestLogoutBadInput(t *testing.T) {
	e, authz := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("logout malformed", "POST", "logout", `{`, authz, 400, "Malformed JSON", ""),
		badInput("logout no token", "POST", "logout", `{}`, nil, 401, "Authentication required", ""),
	} {
		s.Run(t, e.App)
	}
}
