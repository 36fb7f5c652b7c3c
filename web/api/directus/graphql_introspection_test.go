package directus_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// introspectionQuery is graphql-js 16's getIntrospectionQuery() (with
// descriptions, without the optional specifiedByUrl and oneOf parts).
const introspectionQuery = `
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
    }`

type introType struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Fields []struct {
		Name string `json:"name"`
		Args []struct {
			Name string `json:"name"`
			Type struct {
				Kind   string `json:"kind"`
				OfType *struct {
					Name string `json:"name"`
				} `json:"ofType"`
			} `json:"type"`
		} `json:"args"`
	} `json:"fields"`
	EnumValues []struct {
		Name string `json:"name"`
	} `json:"enumValues"`
}

// TestIntrospection: the full introspection query is answered from the
// parsed schema: root types, every type, the auth mutations with their
// argument types, the enum, and the built-in directives; __schema and
// __type are not listed as Query fields.
func TestIntrospection(t *testing.T) {
	e := newEnv(t)
	r := gql(e, introspectionQuery, nil)
	var body struct {
		Data struct {
			Schema struct {
				QueryType, MutationType struct{ Name string }
				SubscriptionType        *struct{ Name string }
				Types                   []introType             `json:"types"`
				Directives              []struct{ Name string } `json:"directives"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) > 0 {
		t.Fatalf("introspection: %v %.500s", err, r.Body)
	}
	s := body.Data.Schema
	if s.QueryType.Name != "Query" || s.MutationType.Name != "Mutation" || s.SubscriptionType != nil {
		t.Fatalf("root types: %+v", s)
	}
	types := map[string]introType{}
	for _, ty := range s.Types {
		types[ty.Name] = ty
	}
	for _, n := range []string{"String", "Boolean", "ID", "Int", "Float", "auth_tokens", "auth_mode", "directus_users", "GraphQLBigInt", "__Schema", "__Type"} {
		if _, ok := types[n]; !ok {
			t.Errorf("type %s missing", n)
		}
	}
	var queryFields []string
	for _, f := range types["Query"].Fields {
		queryFields = append(queryFields, f.Name)
	}
	if !slices.Equal(queryFields, []string{"users_me", "server_ping"}) {
		t.Errorf("Query fields %v", queryFields)
	}
	found := false
	for _, f := range types["Mutation"].Fields {
		if f.Name == "auth_login" {
			found = len(f.Args) == 4 && f.Args[0].Name == "email" && f.Args[0].Type.Kind == "NON_NULL" && f.Args[0].Type.OfType.Name == "String"
		}
	}
	if !found {
		t.Errorf("auth_login(email: String!, …) not introspected: %+v", types["Mutation"].Fields)
	}
	if ev := types["auth_mode"].EnumValues; len(ev) != 3 || ev[2].Name != "session" {
		t.Errorf("auth_mode values %+v", ev)
	}
	var dirs []string
	for _, d := range s.Directives {
		dirs = append(dirs, d.Name)
	}
	for _, n := range []string{"include", "skip", "deprecated"} {
		if !slices.Contains(dirs, n) {
			t.Errorf("directive %s missing from %v", n, dirs)
		}
	}

	r = gql(e, `{ __type(name: "auth_tokens") { name kind fields { name type { name } } } nope: __type(name: "nope") { name } }`, nil)
	want := `{"data":{"__type":{"name":"auth_tokens","kind":"OBJECT","fields":[{"name":"access_token","type":{"name":"String"}},{"name":"expires","type":{"name":"GraphQLBigInt"}},{"name":"refresh_token","type":{"name":"String"}}]},"nope":null}}`
	if string(r.Body) != want {
		t.Fatalf("__type:\n got %s\nwant %s", r.Body, want)
	}
}
