package directus

import "testing"

// FuzzGQLParse: the parser never panics (go test -fuzz=FuzzGQLParse).
func FuzzGQLParse(f *testing.F) {
	for _, s := range []string{`mutation { auth_login(email: "a", password: "b") { access_token } }`,
		`mutation($a: [String!]! = ["x"]) { x: auth_logout(refresh_token: $a) }`, `"""a\"""b"""`, `{ a(b: {c: [1.5e3, -2, null, true, ENUM]}) }`,
		"\"\\u00", "[[[[", "-", "1.e", "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = gqlParse(src)
		_, _, _, _, _ = gqlPrepare(graphqlRequest{Query: src, Variables: map[string]any{"a": "x"}})
	})
}
