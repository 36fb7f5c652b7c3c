package directus

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
)

// gqlObject is a value of a GraphQL object type. Field values are nil,
// strings, booleans, integers, []any of values, or gqlObjects.
type gqlObject interface {
	typename() string
	resolve(ex *executor, f *ast.Field, args map[string]any) (any, error)
}

// mapObject is an object whose fields are known up front.
type mapObject struct {
	name string
	vals map[string]any
}

func (o mapObject) typename() string { return o.name }
func (o mapObject) resolve(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	return o.vals[f.Name], nil
}

// ordered is a JSON object that keeps the order of the selection.
type ordered struct {
	keys []string
	vals []any
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// fieldError is one execution error and where it happened.
type fieldError struct {
	err  error
	path []any
	ec   errContext
}

// executor runs one validated operation. Errors of a field leave it null
// and are collected with their path, as the GraphQL spec executes.
type executor struct {
	vars   map[string]any
	errs   []fieldError
	ctxFor func(field string) errContext
}

// keyed is the fields of one response key (merged selections).
type keyed struct {
	key    string
	fields []*ast.Field
}

// collect flattens a selection set for an object of type typ: fragment
// spreads and inline fragments whose condition matches, @skip and
// @include applied, fields grouped by response key in first-seen order.
func (ex *executor) collect(typ string, set ast.SelectionSet, out []keyed, seen map[string]bool) []keyed {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !ex.included(s.Directives) {
				continue
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			found := false
			for i := range out {
				if out[i].key == key {
					out[i].fields = append(out[i].fields, s)
					found = true
					break
				}
			}
			if !found {
				out = append(out, keyed{key: key, fields: []*ast.Field{s}})
			}
		case *ast.InlineFragment:
			if ex.included(s.Directives) && (s.TypeCondition == "" || s.TypeCondition == typ) {
				out = ex.collect(typ, s.SelectionSet, out, seen)
			}
		case *ast.FragmentSpread:
			if !ex.included(s.Directives) || seen[s.Name] || s.Definition == nil {
				continue
			}
			if s.Definition.TypeCondition == typ {
				seen[s.Name] = true
				out = ex.collect(typ, s.Definition.SelectionSet, out, seen)
			}
		}
	}
	return out
}

// included applies @skip(if:) and @include(if:).
func (ex *executor) included(dirs ast.DirectiveList) bool {
	if d := dirs.ForName("skip"); d != nil {
		if v, _ := d.ArgumentMap(ex.vars)["if"].(bool); v {
			return false
		}
	}
	if d := dirs.ForName("include"); d != nil {
		if v, _ := d.ArgumentMap(ex.vars)["if"].(bool); !v {
			return false
		}
	}
	return true
}

// object resolves the selection of one object value.
func (ex *executor) object(obj gqlObject, set ast.SelectionSet, path []any) *ordered {
	out := &ordered{}
	for _, k := range ex.collect(obj.typename(), set, nil, map[string]bool{}) {
		f := k.fields[0]
		var v any
		if f.Name == "__typename" {
			v = obj.typename()
		} else {
			raw, err := obj.resolve(ex, f, f.ArgumentMap(ex.vars))
			p := append(append([]any{}, path...), k.key)
			if err != nil {
				ec := ctxCredentials
				if ex.ctxFor != nil && len(path) == 0 {
					ec = ex.ctxFor(f.Name)
				}
				ex.errs = append(ex.errs, fieldError{err: err, path: p, ec: ec})
			} else {
				var sub ast.SelectionSet
				for _, kf := range k.fields {
					sub = append(sub, kf.SelectionSet...)
				}
				v = ex.complete(raw, sub, p)
			}
		}
		out.keys = append(out.keys, k.key)
		out.vals = append(out.vals, v)
	}
	return out
}

// complete turns a resolved value into its JSON form under sub.
func (ex *executor) complete(v any, sub ast.SelectionSet, path []any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case gqlObject:
		return ex.object(x, sub, path)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = ex.complete(item, sub, append(append([]any{}, path...), i))
		}
		return out
	case string, bool, int, int64, float64:
		return x
	}
	return fmt.Sprint(v)
}
