package api

import "testing"

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"APPLICATION/JSON;charset=UTF-8":    true,
		"application/vnd.api+json":          true,
		"application/merge-patch+json":      true,
		"":                                  false,
		"text/plain":                        false,
		"text/plain; application/json":      false,
		"text/json+json":                    false,
		"application/jsonp":                 false,
		"application/x-www-form-urlencoded": false,
		"multipart/form-data; boundary=x":   false,
		"application/json; charset":         false, // unparsable parameters
	} {
		if got := IsJSON(ct); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}
