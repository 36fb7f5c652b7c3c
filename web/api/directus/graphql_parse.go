package directus

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A small GraphQL parser for the one-mutation documents of /graphql/system.
// It knows operations, variable definitions, fields with aliases and
// arguments, selection sets and every literal kind; fragments and
// directives are refused. It never panics and bounds nesting.

const gqlMaxDepth = 16

type gqlTokKind int

const (
	tokEOF gqlTokKind = iota
	tokPunct
	tokName
	tokString
	tokInt
	tokFloat
)

type gqlToken struct {
	kind gqlTokKind
	val  string
	pos  int
}

func (t gqlToken) String() string {
	switch t.kind {
	case tokEOF:
		return "<EOF>"
	case tokString:
		return strconv.Quote(t.val)
	case tokName:
		return "Name " + strconv.Quote(t.val)
	}
	return strconv.Quote(t.val)
}

// gqlSyntaxError is a lexing or parsing problem.
type gqlSyntaxError struct{ msg string }

func (e *gqlSyntaxError) Error() string { return "Syntax Error: " + e.msg }

func syntaxErr(format string, args ...any) error {
	return &gqlSyntaxError{fmt.Sprintf(format, args...)}
}

// gqlLex splits src into tokens.
func gqlLex(src string) ([]gqlToken, error) {
	var toks []gqlToken
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case strings.HasPrefix(src[i:], "\ufeff"):
			i += 3
		case c == '#':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		case strings.HasPrefix(src[i:], "..."):
			toks = append(toks, gqlToken{tokPunct, "...", i})
			i += 3
		case strings.IndexByte("!$&():=@[]{}|", c) >= 0:
			toks = append(toks, gqlToken{tokPunct, string(c), i})
			i++
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, gqlToken{tokName, src[i:j], i})
			i = j
		case c == '-' || c >= '0' && c <= '9':
			tok, j, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i = j
		case strings.HasPrefix(src[i:], `"""`):
			j := i + 3
			for j < len(src) && !strings.HasPrefix(src[j:], `"""`) {
				if strings.HasPrefix(src[j:], `\"""`) {
					j += 4
					continue
				}
				j++
			}
			if j >= len(src) {
				return nil, syntaxErr("Unterminated string at position %d.", i)
			}
			raw := strings.ReplaceAll(src[i+3:j], `\"""`, `"""`)
			toks = append(toks, gqlToken{tokString, strings.TrimSpace(raw), i})
			i = j + 3
		case c == '"':
			s, j, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, gqlToken{tokString, s, i})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, syntaxErr("Unexpected character %q at position %d.", r, i)
		}
	}
	return append(toks, gqlToken{tokEOF, "", len(src)}), nil
}

func lexNumber(src string, i int) (gqlToken, int, error) {
	j := i
	if src[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(src) && src[j] >= '0' && src[j] <= '9' {
			j++
		}
		return j - k
	}
	if digits() == 0 {
		return gqlToken{}, 0, syntaxErr("Invalid number at position %d.", i)
	}
	kind := tokInt
	if j < len(src) && src[j] == '.' {
		j++
		kind = tokFloat
		if digits() == 0 {
			return gqlToken{}, 0, syntaxErr("Invalid number at position %d.", i)
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		j++
		kind = tokFloat
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if digits() == 0 {
			return gqlToken{}, 0, syntaxErr("Invalid number at position %d.", i)
		}
	}
	return gqlToken{kind, src[i:j], i}, j, nil
}

func lexString(src string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '"':
			return b.String(), j + 1, nil
		case c == '\n' || c == '\r':
			return "", 0, syntaxErr("Unterminated string at position %d.", i)
		case c == '\\':
			if j+1 >= len(src) {
				return "", 0, syntaxErr("Unterminated string at position %d.", i)
			}
			e := src[j+1]
			j += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if j+4 > len(src) {
					return "", 0, syntaxErr("Invalid unicode escape at position %d.", j)
				}
				n, err := strconv.ParseUint(src[j:j+4], 16, 32)
				if err != nil {
					return "", 0, syntaxErr("Invalid unicode escape at position %d.", j)
				}
				b.WriteRune(rune(n))
				j += 4
			default:
				return "", 0, syntaxErr("Invalid escape sequence \\%c at position %d.", e, j-1)
			}
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, syntaxErr("Unterminated string at position %d.", i)
}

// Parsed document.

type gqlValueKind int

const (
	valVariable gqlValueKind = iota
	valString
	valInt
	valFloat
	valBool
	valNull
	valEnum
	valList
	valObject
)

type gqlValue struct {
	kind   gqlValueKind
	str    string // name, literal text
	list   []gqlValue
	fields []gqlArg
}

type gqlArg struct {
	name string
	val  gqlValue
}

type gqlField struct {
	alias, name string
	args        []gqlArg
	sel         []gqlField
	hasSel      bool
}

type gqlVarDef struct {
	name string
	def  *gqlValue
}

type gqlOp struct {
	kind string // query, mutation, subscription
	name string
	vars []gqlVarDef
	sel  []gqlField
}

type gqlParser struct {
	toks []gqlToken
	i    int
}

func (p *gqlParser) peek() gqlToken { return p.toks[p.i] }

func (p *gqlParser) next() gqlToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *gqlParser) isPunct(v string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.val == v
}

func (p *gqlParser) expect(v string) error {
	if t := p.next(); t.kind != tokPunct || t.val != v {
		return syntaxErr("Expected %q, found %s.", v, t)
	}
	return nil
}

func (p *gqlParser) name() (string, error) {
	t := p.next()
	if t.kind != tokName {
		return "", syntaxErr("Expected Name, found %s.", t)
	}
	return t.val, nil
}

// gqlParse parses a whole document into its operations.
func gqlParse(src string) ([]gqlOp, error) {
	toks, err := gqlLex(src)
	if err != nil {
		return nil, err
	}
	p := &gqlParser{toks: toks}
	var ops []gqlOp
	for p.peek().kind != tokEOF {
		op, err := p.operation()
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	if len(ops) == 0 {
		return nil, syntaxErr("Unexpected <EOF>.")
	}
	return ops, nil
}

func (p *gqlParser) operation() (gqlOp, error) {
	var op gqlOp
	if p.isPunct("{") {
		op.kind = "query"
		sel, err := p.selectionSet(0)
		op.sel = sel
		return op, err
	}
	t := p.next()
	if t.kind != tokName {
		return op, syntaxErr("Unexpected %s.", t)
	}
	switch t.val {
	case "query", "mutation", "subscription":
		op.kind = t.val
	case "fragment":
		return op, syntaxErr("Fragments are not supported.")
	default:
		return op, syntaxErr("Unexpected %s.", t)
	}
	if p.peek().kind == tokName {
		op.name = p.next().val
	}
	if p.isPunct("(") {
		vars, err := p.varDefs()
		if err != nil {
			return op, err
		}
		op.vars = vars
	}
	if p.isPunct("@") {
		return op, syntaxErr("Directives are not supported.")
	}
	sel, err := p.selectionSet(0)
	op.sel = sel
	return op, err
}

func (p *gqlParser) varDefs() ([]gqlVarDef, error) {
	p.next() // (
	var defs []gqlVarDef
	for !p.isPunct(")") {
		if err := p.expect("$"); err != nil {
			return nil, err
		}
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		if err := p.typeRef(0); err != nil {
			return nil, err
		}
		def := gqlVarDef{name: n}
		if p.isPunct("=") {
			p.next()
			v, err := p.value(true, 0)
			if err != nil {
				return nil, err
			}
			def.def = &v
		}
		defs = append(defs, def)
	}
	p.next() // )
	if len(defs) == 0 {
		return nil, syntaxErr("Expected a variable definition, found \")\".")
	}
	return defs, nil
}

func (p *gqlParser) typeRef(depth int) error {
	if depth > gqlMaxDepth {
		return syntaxErr("Type is nested too deeply.")
	}
	if p.isPunct("[") {
		p.next()
		if err := p.typeRef(depth + 1); err != nil {
			return err
		}
		if err := p.expect("]"); err != nil {
			return err
		}
	} else if _, err := p.name(); err != nil {
		return err
	}
	if p.isPunct("!") {
		p.next()
	}
	return nil
}

func (p *gqlParser) selectionSet(depth int) ([]gqlField, error) {
	if depth > gqlMaxDepth {
		return nil, syntaxErr("Selection set is nested too deeply.")
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var fields []gqlField
	for !p.isPunct("}") {
		if p.isPunct("...") {
			return nil, syntaxErr("Fragments are not supported.")
		}
		f, err := p.field(depth)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	p.next() // }
	if len(fields) == 0 {
		return nil, syntaxErr("Expected Name, found \"}\".")
	}
	return fields, nil
}

func (p *gqlParser) field(depth int) (gqlField, error) {
	var f gqlField
	n, err := p.name()
	if err != nil {
		return f, err
	}
	f.alias, f.name = n, n
	if p.isPunct(":") {
		p.next()
		if f.name, err = p.name(); err != nil {
			return f, err
		}
	}
	if p.isPunct("(") {
		p.next()
		for !p.isPunct(")") {
			an, err := p.name()
			if err != nil {
				return f, err
			}
			if err := p.expect(":"); err != nil {
				return f, err
			}
			v, err := p.value(false, 0)
			if err != nil {
				return f, err
			}
			f.args = append(f.args, gqlArg{an, v})
		}
		p.next() // )
		if len(f.args) == 0 {
			return f, syntaxErr("Expected Name, found \")\".")
		}
	}
	if p.isPunct("@") {
		return f, syntaxErr("Directives are not supported.")
	}
	if p.isPunct("{") {
		f.hasSel = true
		if f.sel, err = p.selectionSet(depth + 1); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (p *gqlParser) value(constant bool, depth int) (gqlValue, error) {
	if depth > gqlMaxDepth {
		return gqlValue{}, syntaxErr("Value is nested too deeply.")
	}
	t := p.next()
	switch t.kind {
	case tokString:
		return gqlValue{kind: valString, str: t.val}, nil
	case tokInt:
		return gqlValue{kind: valInt, str: t.val}, nil
	case tokFloat:
		return gqlValue{kind: valFloat, str: t.val}, nil
	case tokName:
		switch t.val {
		case "true", "false":
			return gqlValue{kind: valBool, str: t.val}, nil
		case "null":
			return gqlValue{kind: valNull}, nil
		}
		return gqlValue{kind: valEnum, str: t.val}, nil
	case tokPunct:
		switch t.val {
		case "$":
			if constant {
				return gqlValue{}, syntaxErr("Unexpected \"$\": variables are not allowed here.")
			}
			n, err := p.name()
			return gqlValue{kind: valVariable, str: n}, err
		case "[":
			v := gqlValue{kind: valList}
			for !p.isPunct("]") {
				if p.peek().kind == tokEOF {
					return v, syntaxErr("Expected \"]\", found <EOF>.")
				}
				item, err := p.value(constant, depth+1)
				if err != nil {
					return v, err
				}
				v.list = append(v.list, item)
			}
			p.next()
			return v, nil
		case "{":
			v := gqlValue{kind: valObject}
			for !p.isPunct("}") {
				n, err := p.name()
				if err != nil {
					return v, err
				}
				if err := p.expect(":"); err != nil {
					return v, err
				}
				item, err := p.value(constant, depth+1)
				if err != nil {
					return v, err
				}
				v.fields = append(v.fields, gqlArg{n, item})
			}
			p.next()
			return v, nil
		}
	}
	return gqlValue{}, syntaxErr("Unexpected %s.", t)
}
