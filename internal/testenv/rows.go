package testenv

import (
	"database/sql"
	"maps"
)

// StateTables are the tables a request that signs someone in, issues a
// token or queues mail writes to.
var StateTables = []string{"members", "sessions", "credentials", "one_time_tokens", "outbox", "login_failures"}

// Rows counts the rows of the given tables (StateTables when none) through
// a separate read-only connection, so that a test can assert that a refused
// request wrote nothing.
func (e *Env) Rows(tables ...string) map[string]int {
	e.T.Helper()
	if len(tables) == 0 {
		tables = StateTables
	}
	db, err := sql.Open("sqlite3", "file:"+e.DBPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		e.T.Fatal(err)
	}
	defer db.Close()
	out := make(map[string]int, len(tables))
	for _, t := range tables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM "` + t + `"`).Scan(&n); err != nil {
			e.T.Fatalf("count %s: %v", t, err)
		}
		out[t] = n
	}
	return out
}

// SameRows reports whether two Rows results are equal.
func SameRows(a, b map[string]int) bool { return maps.Equal(a, b) }

// CrossSiteTypes are the Content-Types a page on another site can send
// without a CORS preflight: a form's text/plain and urlencoded, and none
// at all (a no-cors fetch of a typeless Blob). A form's multipart body is
// refused by fasthttp before any handler when it is not multipart.
var CrossSiteTypes = []string{"text/plain", "text/plain;charset=UTF-8", "", "application/x-www-form-urlencoded"}

// NotJSON sends body, a request that would succeed as application/json, to
// method path once with each of types, and checks that no attempt set a
// cookie or wrote a row. It returns the responses, in the order of types,
// for the dialect's status and envelope checks.
func (e *Env) NotJSON(method, path, body string, types []string, headers ...string) []*Response {
	e.T.Helper()
	// Forgot-password requests are resolved by the outbox worker after the
	// answer: let earlier ones finish so their rows are not counted here.
	e.WaitRequests()
	before := e.Rows()
	var out []*Response
	for _, ct := range types {
		r := e.Do(method, path, body, append(append([]string{}, headers...), "Content-Type", ct)...)
		if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
			e.T.Errorf("%s %s as %q: set a cookie: %q", method, path, ct, sc)
		}
		if r.StatusCode < 400 {
			e.T.Errorf("%s %s as %q: accepted with %d: %s", method, path, ct, r.StatusCode, r.Body)
		}
		out = append(out, r)
	}
	e.WaitRequests()
	if after := e.Rows(); !SameRows(before, after) {
		e.T.Errorf("%s %s: a refused body wrote rows: %v → %v", method, path, before, after)
	}
	return out
}
