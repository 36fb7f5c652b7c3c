package directus_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestGraphQL: selections, aliases, variables, enums and error codes.
func TestGraphQL(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)

	r := gql(e, `mutation { auth_login(email: "ann@example.com", password: "correct horse battery") { access_token } }`, nil)
	var only struct {
		Data map[string]map[string]any `json:"data"`
	}
	_ = json.Unmarshal(r.Body, &only)
	if got := only.Data["auth_login"]; len(got) != 1 || got["access_token"] == "" {
		t.Fatalf("only access_token selected: %s", r.Body)
	}

	r = gql(e, `mutation Login($e: String!, $p: String!, $m: auth_mode = json) {
		tokens: auth_login(email: $e, password: $p, mode: $m) { expires, refresh: refresh_token, __typename }
	}`, map[string]any{"e": annEmail, "p": annPass})
	_ = json.Unmarshal(r.Body, &only)
	tok := only.Data["tokens"]
	if tok["expires"] != float64(900000) || tok["__typename"] != "auth_tokens" || tok["refresh"] == nil || len(tok) != 3 {
		t.Fatalf("aliases and variables: %s", r.Body)
	}
	refresh := tok["refresh"].(string)

	r = gql(e, `mutation { auth_login(email: "ann@example.com", password: "correct horse battery", mode: cookie) { access_token refresh_token } }`, nil)
	if !strings.Contains(string(r.Body), `"refresh_token":null`) || cookie(r, "directus_refresh_token") == "" {
		t.Fatalf("cookie mode: %s %v", r.Body, r.Header.Values("Set-Cookie"))
	}

	r = gql(e, `mutation($r: String) { auth_refresh(refresh_token: $r) { access_token refresh_token } }`, map[string]any{"r": refresh})
	_ = json.Unmarshal(r.Body, &only)
	if nr, _ := only.Data["auth_refresh"]["refresh_token"].(string); nr == "" || nr == refresh {
		t.Fatalf("refresh: %s", r.Body)
	}
	if r = gql(e, `mutation { auth_logout(refresh_token: "`+refresh+`") }`, nil); string(r.Body) != `{"data":{"auth_logout":true}}` {
		t.Fatalf("logout: %s", r.Body)
	}

	for _, c := range []struct{ query, code, msg string }{
		{`mutation { auth_login(email: "ann@example.com", password: "nope") { access_token } }`, "INVALID_CREDENTIALS", ""},
		{`mutation { auth_login(email: "ann@example.com") { access_token } }`, "GRAPHQL_VALIDATION", `"password"`},
		{`mutation { auth_login(email: "a", password: "b") }`, "GRAPHQL_VALIDATION", "selection"},
		{`mutation { auth_logout { x } }`, "GRAPHQL_VALIDATION", "Boolean"},
		{`mutation { auth_login(email: "a", password: "b") { nope } }`, "GRAPHQL_VALIDATION", `"nope"`},
		{`mutation { auth_login(email: 1, password: "b") { expires } }`, "GRAPHQL_VALIDATION", "String"},
		{`mutation { auth_login(email: "a", password: "b", mode: "json") { expires } }`, "GRAPHQL_VALIDATION", `auth_mode`},
		{`mutation { auth_login(email: "a", password: "b", x: "y") { expires } }`, "GRAPHQL_VALIDATION", `"x"`},
		{`mutation { auth_login(email: $e, password: "b") { expires } }`, "GRAPHQL_VALIDATION", `"$e" is not defined`},
		{`mutation { auth_refresh(refresh_token: "abc") { access_token } }`, "INVALID_CREDENTIALS", ""},
		{`mutation { auth_password_reset(token: "abc", password: "a long new password") }`, "INVALID_TOKEN", ""},
		{`mutation { users_me_tfa_generate(password: "x") { secret } }`, "INVALID_CREDENTIALS", ""},
		{`mutation { auth_logout }`, "INVALID_PAYLOAD", "refresh token is required"},
		{`query { auth_login }`, "GRAPHQL_VALIDATION", `"auth_login" on type "Query"`},
		{`mutation { a: auth_logout b: auth_logout }`, "GRAPHQL_VALIDATION", "at most 1 mutation"},
		{`mutation { items { id } }`, "GRAPHQL_VALIDATION", `"items"`},
		{`mutation { auth_login(email: "a"`, "INVALID_PAYLOAD", "Syntax Error"},
		{`mutation A { auth_logout } mutation B { auth_logout }`, "GRAPHQL_VALIDATION", "operation name"},
		{`subscription { server_ping }`, "GRAPHQL_VALIDATION", ""},
	} {
		r := gql(e, c.query, nil)
		if r.StatusCode != 200 || errCode(r) != c.code || !strings.Contains(errMessage(r), c.msg) {
			t.Errorf("%s: %d %s", c.query, r.StatusCode, r.Body)
		}
	}
	r = gql(e, `mutation { auth_login(email: "ann@example.com", password: "nope") { access_token } }`, nil)
	if !strings.HasPrefix(string(r.Body), `{"data":{"auth_login":null},"errors":[{"message":"Invalid user credentials.","path":["auth_login"]`) {
		t.Fatalf("execution error: data null and the error's path: %s", r.Body)
	}
	r = e.Do("POST", "/graphql/system", map[string]any{"query": `mutation A { auth_password_request(email: "x@example.com") } mutation B { auth_logout }`, "operationName": "A"})
	if string(r.Body) != `{"data":{"auth_password_request":true}}` {
		t.Fatalf("operationName: %s", r.Body)
	}
	r = gql(e, `mutation($v: String) { auth_password_request(email: $v) }`, map[string]any{"v": 5})
	if errCode(r) != "GRAPHQL_VALIDATION" {
		t.Fatalf("non-string variable: %s", r.Body)
	}
}

// TestGraphQLQueries: users_me with and without a token, server_ping,
// fragments, directives and __typename.
func TestGraphQLQueries(t *testing.T) {
	e := newEnv(t)
	e.CreateMember(annEmail, annPass)
	access, _ := loginJSON(t, e, annEmail, annPass)
	q := `query Me($skip: Boolean!) { server_ping users_me { ...U email @skip(if: $skip) } } fragment U on directus_users { __typename id status }`
	r := e.Do("POST", "/graphql/system", map[string]any{"query": q, "variables": map[string]any{"skip": false}}, "Authorization", "Bearer "+access)
	want := `{"data":{"server_ping":"pong","users_me":{"__typename":"directus_users","id":"1","status":"active","email":"ann@example.com"}}}`
	if string(r.Body) != want {
		t.Fatalf("users_me:\n got %s\nwant %s", r.Body, want)
	}
	r = e.Do("POST", "/graphql/system", map[string]any{"query": q, "variables": map[string]any{"skip": true}})
	if string(r.Body) != `{"data":{"server_ping":"pong","users_me":null}}` {
		t.Fatalf("anonymous users_me: %s", r.Body)
	}
	r = e.Do("POST", "/graphql/system", map[string]any{"query": `{ users_me { id } }`}, "Authorization", "Bearer dead")
	if !strings.Contains(string(r.Body), `"users_me":null`) || errCode(r) != "INVALID_CREDENTIALS" {
		t.Fatalf("dead token: %s", r.Body)
	}
}

// TestGraphQLLimits: depth, aliases and root fields are bounded with a
// clear GRAPHQL_VALIDATION error before anything runs.
func TestGraphQLLimits(t *testing.T) {
	e := newEnv(t)
	deep := "{ __schema { types { fields { type { " + strings.Repeat("ofType { ", 12) + "name" + strings.Repeat(" }", 12) + " } } } } }"
	aliases := "{"
	for i := 0; i < 31; i++ {
		aliases += fmt.Sprintf(" p%d: server_ping", i)
	}
	aliases += " }"
	wide := "{ " + strings.Repeat("server_ping ", 1) + "__schema { description } " + "a: server_ping b: server_ping c: server_ping d: server_ping e: server_ping f: server_ping g: server_ping h: server_ping i: server_ping }"
	for _, c := range []struct{ query, msg string }{
		{deep, "nested too deeply"},
		{aliases, "Too many aliases"},
		{wide, "Too many fields at the root"},
		{strings.Repeat("{ server_ping }", 4000), "token limit"},
	} {
		r := gql(e, c.query, nil)
		if r.StatusCode != 200 || !strings.Contains(errMessage(r), c.msg) {
			t.Errorf("%.60s…: %d %.300s", c.query, r.StatusCode, r.Body)
		}
	}
}

// TestGraphQLGarbage: no input makes the parser panic or answer 5xx.
func TestGraphQLGarbage(t *testing.T) {
	e := newEnv(t)
	garbage := []string{
		"", " ", "{", "}", "mutation", "mutation {", "mutation { }", "mutation {{}}", "mutation { auth_login( }",
		"mutation { auth_login(email: ) }", `mutation { auth_login(email: "unterminated) }`, "\"\"\"", `"\u12"`,
		`mutation { a(b: [1, 2, [3, {c: 4}]]) }`, strings.Repeat("[", 5000), strings.Repeat("{", 5000),
		"mutation { a(b: " + strings.Repeat("[", 5000) + ") }", "mutation($: String) { a }", "mutation($a: [[[String!]!]) { a }",
		"fragment F on X { a } mutation { ...F }", "mutation { ... on X { a } }", "mutation @dir { a }", "mutation { a @skip(if: true) }",
		"mutation { a(b: -) }", "mutation { a(b: 1.) }", "mutation { a(b: 1e) }", "mutation { a(b: $) }", "\x00\xff\xfe",
		"mutation { a(b: \"x\ny\") }", `mutation { a(b: "\q") }`, "# only a comment", "subscription { auth_login }",
		"mutation { auth_login(email: \"\"\"block \\\"\"\" string\"\"\", password: \"p\") { access_token } }",
		"mutation ($x: String = $y) { auth_logout(refresh_token: $x) }", "mutation { auth_logout(refresh_token: null) }",
		"mutation { auth_logout(refresh_token: \"\\u00e9\") }", "query Q { a } query Q { b }", "mutation { x: y: z }",
		"mutation { auth_login(email: {a: 1}, password: [\"b\"]) { access_token } }", "…", "mutation { auth_login() { expires } }",
	}
	for _, q := range garbage {
		r := gql(e, q, map[string]any{"x": map[string]any{"y": 1}})
		if r.StatusCode >= 500 || (r.StatusCode != 200 && r.StatusCode != 400) {
			t.Errorf("%q: %d %s", q, r.StatusCode, r.Body)
		}
		if errCode(r) == "" && !strings.HasPrefix(string(r.Body), `{"data":`) {
			t.Errorf("%q: neither data nor errors: %s", q, r.Body)
		}
	}
}
