package kuroco_test

import (
	"strconv"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
)

// TestAnonymousTokenFlood: a flood of {} at token from one client creates
// at most the allowance of anonymous tokens; the rest answer 429 in the
// kuroco envelope with Retry-After, and write nothing.
func TestAnonymousTokenFlood(t *testing.T) {
	e := testenv.New(t, testenv.Options{Auth: auth.Config{AnonymousTokenLimit: 10}})
	issued, limited := 0, 0
	for range 60 {
		r := call(t, e, "POST", "token", `{}`)
		switch r.StatusCode {
		case 200:
			issued++
		case 429:
			limited++
			errs, _ := r.JSON()["errors"].([]any)
			first, _ := errs[0].(map[string]any)
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if first["code"] != auth.ERATELIMIT || err != nil || secs < 1 || secs > 60 {
				t.Fatalf("429 %s with Retry-After %q", r.Body, r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
	}
	if issued != 10 || limited != 50 {
		t.Fatalf("%d issued, %d limited; want 10 and 50", issued, limited)
	}
	if n := e.Rows("credentials")["credentials"]; n != 10 {
		t.Fatalf("%d credential rows after the flood, want 10", n)
	}
}
