package kuroco_test

import (
	"testing"

	"gatehouse/web/api/apitest"
)

// TestProfileBadInput (docs/contract.md §2): profile: no or a bad access token
// get a 4xx kuroco envelope whose message names the problem — never a 500.
func TestProfileBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("profile no token", "GET", "profile", nil, nil, 401, "Authentication required", ""),
		badInput("profile bad token", "GET", "profile", nil, []string{"Authorization", "Bearer nope"}, 401, "", ""),
	} {
		s.Run(t, e.App)
	}
}
