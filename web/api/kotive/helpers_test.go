package kotive_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3" // to add groups the service cannot create

	"gatehouse/internal/auth"
	"gatehouse/internal/testenv"
	"gatehouse/web/api/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current responses")

const password = "correct horse battery staple"

// authTokenRE is the documented authToken format (docs/contract.md §4).
var authTokenRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, testenv.Options{})
}

// basic is an HTTP Basic Authorization header value.
func basic(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

// mustLogin logs in with Basic user:secret and returns the authToken.
func mustLogin(t *testing.T, e *testenv.Env, user, secret string) string {
	t.Helper()
	r := e.Do("GET", "/api/login", nil, "Authorization", basic(user, secret))
	if r.StatusCode != 200 {
		t.Fatalf("login %s: status %d: %s", user, r.StatusCode, r.Body)
	}
	tok, _ := r.JSON()["authToken"].(string)
	if !authTokenRE.MatchString(tok) {
		t.Fatalf("authToken %q is not 32 lowercase hex characters", tok)
	}
	return tok
}

// seedMember creates the seed's example member: John Doe, holding the three
// system roles in group 25 (a child of 24, a child of the root) and Maker in
// the root group.
func seedMember(t *testing.T, e *testenv.Env) auth.Member {
	t.Helper()
	addGroups(t, [3]any{24, 1, "Sales"}, [3]any{25, 24, "Sales EMEA"})
	m := e.CreateMember("example@example.com", password)
	m.FirstName, m.LastName, m.Mobile = "John", "Doe", ""
	m.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleMaker}, {Group: 25, Role: auth.RoleOwner},
		{Group: 25, Role: auth.RoleAdmin}, {Group: 25, Role: auth.RoleMaker}}
	ctx := context.Background()
	err := e.Store.Update(ctx, func(tx auth.Tx) error {
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		return tx.SetRoles(ctx, m.ID, m.Roles)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// addGroups inserts groups (id, parent id, name) into the environment's
// database. The service has no use case that creates groups yet, so this
// opens the file testenv.New created in the test's first temp dir (001).
func addGroups(t *testing.T, groups ...[3]any) {
	t.Helper()
	path := filepath.Join(filepath.Dir(t.TempDir()), "001", "gatehouse.db")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the testenv database is not where expected (call addGroups right after testenv.New): %v", err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, g := range groups {
		if _, err := db.Exec(`INSERT INTO "groups" (id, parent_id, name) VALUES (?, ?, ?)`, g[0], g[1], g[2]); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenDoc is what a golden file records of a response.
type goldenDoc struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// goldenHeaders are the response headers a golden file records.
var goldenHeaders = []string{"Content-Type", "Cache-Control", "WWW-Authenticate", "Retry-After"}

// golden compares the response with testdata/<name>.golden.json after
// replacing each volatile value (a key of placeholders) with its
// placeholder; -update rewrites the file.
func golden(t testing.TB, name string, r *testenv.Response, placeholders map[string]string) {
	t.Helper()
	body := string(r.Body)
	for v, p := range placeholders {
		body = strings.ReplaceAll(body, v, p)
	}
	doc := goldenDoc{Status: r.StatusCode, Headers: map[string]string{}}
	for _, h := range goldenHeaders {
		if v := r.Header.Get(h); v != "" {
			doc.Headers[h] = v
		}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		doc.Body = json.RawMessage(body)
	} else {
		doc.Body, _ = json.Marshal(body)
	}
	got, err := apitest.EncodeJSON(doc)
	if err != nil {
		t.Fatalf("%s: %v (body %s)", name, err, r.Body)
	}
	apitest.Golden(t, name, got, *update)
}

// shape reduces a JSON value to its structure: objects keep their keys,
// arrays the shape of their first element, scalars their type. null
// matches anything (the root group's parentId).
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return nil
}

// sameShape reports the first difference between two shapes, or "".
func sameShape(path string, got, want any) string {
	if got == nil || want == nil {
		return ""
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return path + "." + k + ": not in the seed"
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := g[k]; !ok {
				return path + "." + k + ": missing"
			}
			if d := sameShape(path+"."+k, g[k], w[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return path + ": not an array"
		}
		if len(g) == 0 || len(w) == 0 {
			return ""
		}
		return sameShape(path+"[0]", g[0], w[0])
	}
	if got != want {
		return path + ": " + got.(string) + ", seed has " + want.(string)
	}
	return ""
}
