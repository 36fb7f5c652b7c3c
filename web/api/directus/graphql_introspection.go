package directus

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Introspection (GraphQL spec §4.2) resolved over gqlparser's ast.Schema:
// __Schema, __Type, __Field, __InputValue, __EnumValue and __Directive.
// Nothing is generated: the objects below read the parsed schema.

type schemaObj struct{ s *ast.Schema }

func (schemaObj) typename() string { return "__Schema" }
func (o schemaObj) resolve(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "description":
		return nonEmpty(o.s.Description), nil
	case "types":
		names := make([]string, 0, len(o.s.Types))
		for n := range o.s.Types {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = typeObj{o.s, o.s.Types[n]}
		}
		return out, nil
	case "queryType":
		return namedOrNil(o.s, o.s.Query), nil
	case "mutationType":
		return namedOrNil(o.s, o.s.Mutation), nil
	case "subscriptionType":
		return namedOrNil(o.s, o.s.Subscription), nil
	case "directives":
		names := make([]string, 0, len(o.s.Directives))
		for n := range o.s.Directives {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = directiveObj{o.s, o.s.Directives[n]}
		}
		return out, nil
	}
	return nil, nil
}

func namedOrNil(s *ast.Schema, d *ast.Definition) any {
	if d == nil {
		return nil
	}
	return typeObj{s, d}
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// typeRef is the __Type of a type reference: NON_NULL and LIST wrappers
// around a named type.
func typeRef(s *ast.Schema, t *ast.Type) any {
	if t == nil {
		return nil
	}
	if t.NonNull || t.Elem != nil {
		return wrapperObj{s, t}
	}
	d := s.Types[t.NamedType]
	if d == nil {
		return nil
	}
	return typeObj{s, d}
}

// wrapperObj is a NON_NULL or LIST __Type.
type wrapperObj struct {
	s *ast.Schema
	t *ast.Type
}

func (wrapperObj) typename() string { return "__Type" }
func (o wrapperObj) resolve(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "kind":
		if o.t.NonNull {
			return "NON_NULL", nil
		}
		return "LIST", nil
	case "ofType":
		if o.t.NonNull {
			inner := *o.t
			inner.NonNull = false
			return typeRef(o.s, &inner), nil
		}
		return typeRef(o.s, o.t.Elem), nil
	}
	return nil, nil
}

// typeObj is a named __Type.
type typeObj struct {
	s *ast.Schema
	d *ast.Definition
}

var kinds = map[ast.DefinitionKind]string{
	ast.Scalar: "SCALAR", ast.Object: "OBJECT", ast.Interface: "INTERFACE",
	ast.Union: "UNION", ast.Enum: "ENUM", ast.InputObject: "INPUT_OBJECT",
}

func (typeObj) typename() string { return "__Type" }
func (o typeObj) resolve(_ *executor, f *ast.Field, args map[string]any) (any, error) {
	d := o.d
	withDeprecated, _ := args["includeDeprecated"].(bool)
	switch f.Name {
	case "kind":
		return kinds[d.Kind], nil
	case "name":
		return d.Name, nil
	case "description":
		return nonEmpty(d.Description), nil
	case "specifiedByURL", "specifiedByUrl":
		if dir := d.Directives.ForName("specifiedBy"); dir != nil && d.Kind == ast.Scalar {
			return dir.ArgumentMap(nil)["url"], nil
		}
		return nil, nil
	case "isOneOf":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		return d.Directives.ForName("oneOf") != nil, nil
	case "fields":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		var out []any
		for _, fd := range d.Fields {
			if strings.HasPrefix(fd.Name, "__") || (!withDeprecated && deprecated(fd.Directives)) {
				continue
			}
			out = append(out, fieldObj{o.s, fd})
		}
		return emptyList(out), nil
	case "interfaces":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		out := []any{}
		for _, n := range d.Interfaces {
			out = append(out, typeObj{o.s, o.s.Types[n]})
		}
		return out, nil
	case "possibleTypes":
		if d.Kind != ast.Interface && d.Kind != ast.Union {
			return nil, nil
		}
		out := []any{}
		for _, p := range o.s.GetPossibleTypes(d) {
			out = append(out, typeObj{o.s, p})
		}
		return out, nil
	case "enumValues":
		if d.Kind != ast.Enum {
			return nil, nil
		}
		var out []any
		for _, ev := range d.EnumValues {
			if withDeprecated || !deprecated(ev.Directives) {
				out = append(out, enumValueObj{ev})
			}
		}
		return emptyList(out), nil
	case "inputFields":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		var out []any
		for _, fd := range d.Fields {
			if withDeprecated || !deprecated(fd.Directives) {
				out = append(out, inputValueObj{o.s, fd.Name, fd.Description, fd.Type, fd.DefaultValue, fd.Directives})
			}
		}
		return emptyList(out), nil
	case "ofType":
		return nil, nil
	}
	return nil, nil
}

func emptyList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func deprecated(dirs ast.DirectiveList) bool { return dirs.ForName("deprecated") != nil }

// deprecationReason is @deprecated's reason (default as in the spec).
func deprecationReason(dirs ast.DirectiveList) any {
	d := dirs.ForName("deprecated")
	if d == nil {
		return nil
	}
	if r, ok := d.ArgumentMap(nil)["reason"].(string); ok {
		return r
	}
	return "No longer supported"
}

type fieldObj struct {
	s *ast.Schema
	f *ast.FieldDefinition
}

func (fieldObj) typename() string { return "__Field" }
func (o fieldObj) resolve(_ *executor, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "name":
		return o.f.Name, nil
	case "description":
		return nonEmpty(o.f.Description), nil
	case "args":
		return argList(o.s, o.f.Arguments, args), nil
	case "type":
		return typeRef(o.s, o.f.Type), nil
	case "isDeprecated":
		return deprecated(o.f.Directives), nil
	case "deprecationReason":
		return deprecationReason(o.f.Directives), nil
	}
	return nil, nil
}

func argList(s *ast.Schema, defs ast.ArgumentDefinitionList, args map[string]any) []any {
	withDeprecated, _ := args["includeDeprecated"].(bool)
	out := []any{}
	for _, a := range defs {
		if withDeprecated || !deprecated(a.Directives) {
			out = append(out, inputValueObj{s, a.Name, a.Description, a.Type, a.DefaultValue, a.Directives})
		}
	}
	return out
}

type inputValueObj struct {
	s    *ast.Schema
	name string
	desc string
	typ  *ast.Type
	def  *ast.Value
	dirs ast.DirectiveList
}

func (inputValueObj) typename() string { return "__InputValue" }
func (o inputValueObj) resolve(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "name":
		return o.name, nil
	case "description":
		return nonEmpty(o.desc), nil
	case "type":
		return typeRef(o.s, o.typ), nil
	case "defaultValue":
		if o.def == nil {
			return nil, nil
		}
		return o.def.String(), nil
	case "isDeprecated":
		return deprecated(o.dirs), nil
	case "deprecationReason":
		return deprecationReason(o.dirs), nil
	}
	return nil, nil
}

type enumValueObj struct{ v *ast.EnumValueDefinition }

func (enumValueObj) typename() string { return "__EnumValue" }
func (o enumValueObj) resolve(_ *executor, f *ast.Field, _ map[string]any) (any, error) {
	switch f.Name {
	case "name":
		return o.v.Name, nil
	case "description":
		return nonEmpty(o.v.Description), nil
	case "isDeprecated":
		return deprecated(o.v.Directives), nil
	case "deprecationReason":
		return deprecationReason(o.v.Directives), nil
	}
	return nil, nil
}

type directiveObj struct {
	s *ast.Schema
	d *ast.DirectiveDefinition
}

func (directiveObj) typename() string { return "__Directive" }
func (o directiveObj) resolve(_ *executor, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "name":
		return o.d.Name, nil
	case "description":
		return nonEmpty(o.d.Description), nil
	case "isRepeatable":
		return o.d.IsRepeatable, nil
	case "locations":
		out := make([]any, len(o.d.Locations))
		for i, l := range o.d.Locations {
			out[i] = string(l)
		}
		return out, nil
	case "args":
		return argList(o.s, o.d.Arguments, args), nil
	}
	return nil, nil
}
