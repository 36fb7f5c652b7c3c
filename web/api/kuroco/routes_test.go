package kuroco_test

import (
	"testing"

	"gatehouse/web/api/apitest"
)

// TestUnknownRoutesAndAPIIDs (docs/contract.md §2): unknown operations, wrong
// methods, deeper paths and bad api_ids get a 4xx kuroco envelope whose message
// names the problem — never a 500.
func TestUnknownRoutesAndAPIIDs(t *testing.T) {
	e, authz := badInputEnv(t)
	for _, s := range []apitest.Scenario{
		badInput("unknown op", "POST", "nope", `{}`, nil, 404, "Unknown endpoint: POST /rcms-api/1/nope", ""),
		badInput("wrong method", "POST", "profile", `{}`, authz, 404, "Unknown endpoint: POST /rcms-api/1/profile", ""),
		badInput("wrong method login", "GET", "login", nil, nil, 404, "Unknown endpoint: GET /rcms-api/1/login", ""),
		badInput("deeper path", "GET", "profile/extra", nil, authz, 404, "Unknown endpoint", ""),
		badInput("api_id word", "POST", "/rcms-api/abc/login", `{}`, nil, 404, `Unknown API "abc"`, ""),
		badInput("api_id zero", "POST", "/rcms-api/0/login", `{}`, nil, 404, `Unknown API "0"`, ""),
		badInput("api_id negative", "GET", "/rcms-api/-1/profile", nil, authz, 404, `Unknown API "-1"`, ""),
		badInput("api_id plus", "GET", "/rcms-api/+1/profile", nil, authz, 404, `Unknown API "+1"`, ""),
		badInput("api_id huge", "GET", "/rcms-api/99999999999999999999/profile", nil, authz, 404, "positive integer", ""),
		badInput("prefix only", "GET", "/rcms-api", nil, nil, 404, "Unknown endpoint", ""),
		badInput("prefix slash", "GET", "/rcms-api/", nil, nil, 404, "Unknown endpoint", ""),
		badInput("api_id only", "POST", "/rcms-api/1", nil, nil, 404, "Unknown endpoint", ""),
	} {
		s.Run(t, e.App)
	}
}

// TestTokensWorkOnAnyAPIID: every api_id shares the one member base and
// every carrier of docs/contract.md §1 is accepted.
func TestTokensWorkOnAnyAPIID(t *testing.T) {
	e := newEnv(t)
	e.CreateMember("ann@example.com", annPassword)
	r := e.Do("POST", "/rcms-api/7/login", map[string]any{"email": "ann@example.com", "password": annPassword})
	checkEnvelope(t, r)
	r = e.Do("POST", "/rcms-api/42/token", map[string]any{"grant_token": r.JSON()["grant_token"]})
	checkEnvelope(t, r)
	access := tokenOf(r.JSON(), "access_token")
	for _, h := range [][]string{
		{"Authorization", "Bearer " + access},
		{"X-RCMS-API-ACCESS-TOKEN", access},
		{"Cookie", "rcms_api_access_token=" + access},
	} {
		r := e.Do("GET", "/rcms-api/3/profile", nil, h...)
		checkEnvelope(t, r)
		if r.StatusCode != 200 {
			t.Errorf("profile with %s: %d %s", h[0], r.StatusCode, r.Body)
		}
	}
	r = e.Do("GET", "/rcms-api/3/profile?access_token="+access, nil, "X-RCMS-API-ACCESS-TOKEN", access)
	checkEnvelope(t, r)
	if r.StatusCode != 400 {
		t.Errorf("token in the query and a header: %d %s", r.StatusCode, r.Body)
	}
}
