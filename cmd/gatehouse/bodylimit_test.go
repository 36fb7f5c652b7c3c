package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestE2EOversizedBodyGets413: a client that sends a whole body over the
// size limit — as browsers, curl and Go's own client do — reads the 413
// answer instead of a connection reset. The server answers from the
// headers without reading the body, so it closes with the body still
// arriving; it must half-close and drain rather than reset (a lingering
// close), or the client's TCP stack discards the answer.
func TestE2EOversizedBodyGets413(t *testing.T) {
	s := startServer(t, env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")})
	body := bytes.Repeat([]byte("a"), 8<<20)
	for _, tc := range []struct{ path, ctype string }{
		{"/v1/login", "application/json"},
		{"/auth/login", "application/json"},
		{"/login", "application/x-www-form-urlencoded"},
	} {
		for i := range 5 {
			c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			res, err := c.Post(s.base+tc.path, tc.ctype, bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s #%d: 8 MiB body: %v (want a 413 answer, not a reset)", tc.path, i+1, err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s #%d: %d %.200s, want 413", tc.path, i+1, res.StatusCode, got)
			}
		}
	}
}
