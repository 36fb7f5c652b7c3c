package directus

import "testing"

// FuzzGQLPrepare: parsing, limits, validation and variable coercion never
// panic, whatever the document and variables (go test -fuzz=FuzzGQLPrepare).
func FuzzGQLPrepare(f *testing.F) {
	for _, s := range []string{`mutation { auth_login(email: "a", password: "b") { access_token } }`,
		`mutation($a: String = "x") { x: auth_logout(refresh_token: $a) }`, `"""a\"""b"""`, `{ a(b: {c: [1.5e3, -2, null, true, ENUM]}) }`,
		`query { __schema { types { name fields { type { ofType { ofType { name } } } } } } }`,
		`query Q($n: String!) { __type(name: $n) { name } ...F } fragment F on Query { server_ping }`,
		"\"\\u00", "[[[[", "-", "1.e", "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _, _ = gqlPrepare(graphqlRequest{Query: src, Variables: map[string]any{"a": "x", "n": 3}})
	})
}
