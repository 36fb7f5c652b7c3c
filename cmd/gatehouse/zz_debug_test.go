package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
)

func TestZZDebug(t *testing.T) {
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	for _, name := range []string{"none", "host", "xfh", "xfp", "fwd"} {
		c := newClient(t)
		token := csrfFrom(t, c, s.base+"/forgot-password")
		resp, _ := postForm(t, c, s.base+"/forgot-password", url.Values{"_csrf": {token}, "email": {"x@example.com"}}, func(r *http.Request) {
			switch name {
			case "host":
				r.Host = "evil.example"
			case "xfh":
				r.Header.Set("X-Forwarded-Host", "evil.example")
			case "xfp":
				r.Header.Set("X-Forwarded-Proto", "https")
			case "fwd":
				r.Header.Set("Forwarded", "host=evil.example;proto=https")
			}
		})
		t.Log(name, resp.StatusCode)
	}
}
