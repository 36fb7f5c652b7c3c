package openapi_test

import (
	"net/url"
	"strings"
	"testing"
)

func TestGoldenWelcome(t *testing.T) {
	e := newEnv(t)
	reg := registerAnn(t, e)
	access := str(reg, "tokens", "access", "token")
	golden(t, "post_auth_200", e.Do("POST", "/auth", nil, bearer(access)...))
	golden(t, "post_auth_401_no_token", e.Do("POST", "/auth", nil))
	golden(t, "post_auth_401_bad_token", e.Do("POST", "/auth", nil, bearer("nonsense")...))
	golden(t, "post_auth_400_two_carriers", e.Do("POST", "/auth?access_token="+access, nil, bearer(access)...))

	res := e.Do("POST", "/auth", nil)
	if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer: %q", res.Header.Get("WWW-Authenticate"))
	}
	// Every carrier of docs/contract.md §1 works here.
	for _, h := range [][]string{{"X-RCMS-API-ACCESS-TOKEN", access}, {"Cookie", "directus_session_token=" + access}} {
		if res := e.Do("POST", "/auth", nil, h...); res.StatusCode != 200 {
			t.Errorf("carrier %s: %d %s", h[0], res.StatusCode, res.Body)
		}
	}
	if res := e.Do("POST", "/auth?access_token="+url.QueryEscape(access), nil); res.StatusCode != 200 {
		t.Errorf("?access_token: %d %s", res.StatusCode, res.Body)
	}
}
