package kuroco_test

import (
	"testing"

	"gatehouse/web/api/apitest"
)

// TestFileAccessTokenBadInput (docs/contract.md §2): file_access_token: no
// access token get a 4xx kuroco envelope whose message names the problem —
// never a 500.
func TestFileAccessTokenBadInput(t *testing.T) {
	e, _ := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("file token no token", "GET", "file_access_token", nil, nil, 401, "Authentication required", ""),
	} {
		s.Run(t, e.App)
	}
}
