package kuroco_test

import (
	"testing"

	"gatehouse/web/api/apitest"
)

// TestAliasLoginBadInput (docs/contract.md §2): alias_login: a mistyped,
// missing or non-positive aliaslogin_id, or no access token get a 4xx kuroco
// envelope whose message names the problem — never a 500.
func TestAliasLoginBadInput(t *testing.T) {
	e, authz := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("aliaslogin_id word", "POST", "alias_login", `{"aliaslogin_id":"two"}`, authz, 400, `"aliaslogin_id" must be a number`, "aliaslogin_id"),
		badInput("aliaslogin_id object", "POST", "alias_login", `{"aliaslogin_id":{}}`, authz, 400, `"aliaslogin_id" must be a number, not object`, "aliaslogin_id"),
		badInput("aliaslogin_id missing", "POST", "alias_login", `{}`, authz, 400, `"aliaslogin_id" is required`, "aliaslogin_id"),
		badInput("aliaslogin_id zero", "POST", "alias_login", `{"aliaslogin_id":0}`, authz, 400, "positive", "aliaslogin_id"),
		badInput("alias_login unauthenticated", "POST", "alias_login", `{"aliaslogin_id":2}`, nil, 401, "Authentication required", ""),
	} {
		s.Run(t, e.App)
	}
}
