package web_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// The route map is the "Route map" section of docs/architecture.md: one
// table row per route, from the method and path to the handler, the
// auth.Service use cases it calls and the store methods those reach.
// TestRouteMap derives every row from the real app (the handler is the
// route's last Fiber handler, named by the Go runtime) and from the source
// (the calls the handler makes, followed through its own package and
// web/api; the Service methods' store calls, followed through
// internal/auth), and fails when the document and the app disagree. Each
// failure prints the exact Markdown row to add, replace or remove; with
// -update-routemap the test rewrites the table first.

const routeMapDoc = "../docs/architecture.md"

// updateRouteMap rewrites the table of the route map from the code:
// go test ./web -run TestRouteMap -update-routemap
var updateRouteMap = flag.Bool("update-routemap", false, "rewrite the route map table in docs/architecture.md from the code")

// routeRow is one row of the route map.
type routeRow struct {
	method, path, handler string
	useCases, store       []string
}

func (r routeRow) key() string { return r.method + " " + r.path }

// markdown is the row as docs/architecture.md writes it.
func (r routeRow) markdown() string {
	cell := func(names []string) string {
		if len(names) == 0 {
			return "—"
		}
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("| %s | `%s` | `%s` | %s | %s |", r.method, r.path, r.handler, cell(r.useCases), cell(r.store))
}

// TestRouteMap fails when a registered route (in either configuration: dev
// mode adds /_dev/mail) has no row in the route map of
// docs/architecture.md, when a row names a route that is not registered,
// or when a row's handler, use cases or store methods are not what the code
// says.
func TestRouteMap(t *testing.T) {
	want := appRouteRows(t)
	if *updateRouteMap {
		writeRouteMap(t, want)
	}
	have := docRouteRows(t)

	var missing, stale, changed []string
	for k, r := range want {
		doc, ok := have[k]
		switch {
		case !ok:
			missing = append(missing, r.markdown())
		case doc != r.markdown():
			changed = append(changed, "replace: "+doc+"\n  with:    "+r.markdown())
		}
	}
	for k, doc := range have {
		if _, ok := want[k]; !ok {
			stale = append(stale, doc)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return byPath(missing[i]) < byPath(missing[j]) })
	sort.Slice(stale, func(i, j int) bool { return byPath(stale[i]) < byPath(stale[j]) })
	sort.Strings(changed)
	if len(missing) > 0 {
		t.Errorf("routes missing from the route map in docs/architecture.md; add these rows to its table:\n%s", strings.Join(missing, "\n"))
	}
	if len(stale) > 0 {
		t.Errorf("the route map in docs/architecture.md lists routes that are not registered; remove these rows:\n%s", strings.Join(stale, "\n"))
	}
	if len(changed) > 0 {
		t.Errorf("route map rows in docs/architecture.md that differ from the code:\n  %s", strings.Join(changed, "\n  "))
	}
	if len(want) < 100 {
		t.Fatalf("only %d routes found: the app's routes are not being read", len(want))
	}
}

// byPath orders rows as the document does: by path, then method.
func byPath(row string) string {
	cells := strings.Split(row, " | ")
	if len(cells) < 2 {
		return row
	}
	return cells[1] + " " + cells[0]
}

// writeRouteMap replaces the rows of the route map table with rows, ordered
// by path, keeping everything around them.
func writeRouteMap(t *testing.T, rows map[string]routeRow) {
	t.Helper()
	b, err := os.ReadFile(routeMapDoc)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.markdown())
	}
	sort.Slice(lines, func(i, j int) bool { return byPath(lines[i]) < byPath(lines[j]) })
	doc := string(b)
	start := strings.Index(doc, "\n## Route map\n")
	if start < 0 {
		t.Fatalf("%s has no \"## Route map\" section", routeMapDoc)
	}
	head := strings.Index(doc[start:], "\n|---")
	if head < 0 {
		t.Fatalf("the route map in %s has no table", routeMapDoc)
	}
	bodyStart := start + head + 1
	bodyStart += strings.Index(doc[bodyStart:], "\n") + 1 // past the |---| line
	bodyEnd := bodyStart
	for bodyEnd < len(doc) && strings.HasPrefix(doc[bodyEnd:], "| ") {
		if i := strings.Index(doc[bodyEnd:], "\n"); i >= 0 {
			bodyEnd += i + 1
		} else {
			bodyEnd = len(doc)
		}
	}
	doc = doc[:bodyStart] + strings.Join(lines, "\n") + "\n" + doc[bodyEnd:]
	if err := os.WriteFile(routeMapDoc, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// docRouteRows reads the table under "## Route map", keyed by "METHOD path".
func docRouteRows(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(routeMapDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Route map\n")
	if !ok {
		t.Fatalf("%s has no \"## Route map\" section", routeMapDoc)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	rows := map[string]string{}
	row := regexp.MustCompile("^\\| ([A-Z]+) \\| `([^`]+)` \\|")
	for _, line := range strings.Split(section, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		k := m[1] + " " + m[2]
		if _, dup := rows[k]; dup {
			t.Errorf("route map: %s has two rows", k)
		}
		rows[k] = strings.TrimSpace(line)
	}
	return rows
}

// appRouteRows builds the rows from the app the server builds.
func appRouteRows(t *testing.T) map[string]routeRow {
	t.Helper()
	handlers := map[string]string{}
	for _, o := range []envOptions{{}, {noSMTP: true}} {
		e := newEnv(t, o)
		keys := registeredRoutes(e)
		for _, r := range e.app.GetRoutes(true) {
			key := r.Method + " " + r.Path
			if !keys[key] {
				key = "ALL " + r.Path
			}
			if !keys[key] || len(r.Handlers) == 0 {
				continue // HEAD mirroring GET
			}
			handlers[key] = funcName(r.Handlers[len(r.Handlers)-1])
		}
	}
	g := newCallGraph(t)
	rows := map[string]routeRow{}
	for k, h := range handlers {
		method, path, _ := strings.Cut(k, " ")
		r := routeRow{method: method, path: path, handler: g.resolve(h)}
		r.useCases, r.store = g.reach(h)
		rows[k] = r
	}
	return rows
}

// namePart is one function of a runtime name ("(*server).routes",
// "Routes", "func1"); closurePart one that names a closure or its
// inlined copy.
var (
	namePart    = regexp.MustCompile(`(\(\*?\w+\)\.)?\w+`)
	closurePart = regexp.MustCompile(`^(func)?\d+$`)
)

// funcName names a handler as package.Func or package.(*T).Method: the
// handler maker routes.go (or a dialect's Routes) calls, not the closure it
// returns. The runtime names a closure after the functions it was inlined
// through ("web.(*server).routes.(*server).handleLogin.func1"); the maker is
// the one after the route-registering function.
func funcName(h any) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm") // a method value
	pkgPath, rest, _ := strings.Cut(name, ".")
	pkg := pkgPath[strings.LastIndex(pkgPath, "/")+1:] // gatehouse/web/api/kuroco → kuroco
	var parts []string
	for _, p := range namePart.FindAllString(rest, -1) {
		if closurePart.MatchString(p) {
			continue
		}
		parts = append(parts, p)
	}
	for i, p := range parts {
		if (p == "(*server).routes" || p == "(*server).apiRoutes" || p == "Routes") && i+1 < len(parts) {
			return pkg + "." + parts[i+1]
		}
	}
	return pkg + "." + strings.Join(parts, ".")
}

// callGraph is what the route map reads from the source: every function
// of the web packages and of internal/auth with the calls it makes.
type callGraph struct {
	funcs    map[string]*funcInfo // "pkg.Name", or "pkg.(T).Name" for a method
	service  map[string]bool      // exported methods of *auth.Service
	storeAPI map[string]bool      // methods of the interfaces in internal/auth/store.go
}

type funcInfo struct {
	pkg   string
	recv  string // the receiver's name, for methods
	calls []call
}

// call is one call expression: on is the receiver's source ("s.auth",
// "d.Auth", "api", "tx", "" for a plain function call).
type call struct{ on, name string }

func newCallGraph(t *testing.T) *callGraph {
	t.Helper()
	g := &callGraph{funcs: map[string]*funcInfo{}, service: map[string]bool{}, storeAPI: map[string]bool{}}
	dirs := map[string]string{"web": ".", "api": "api", "apidoc": "apidoc", "auth": "../internal/auth"}
	for _, d := range []string{"kuroco", "wme", "kotive", "directus", "openapi", "provider"} {
		dirs[d] = filepath.Join("api", d)
	}
	for pkg, dir := range dirs {
		g.parse(t, pkg, dir)
	}
	return g
}

func (g *callGraph) parse(t *testing.T, pkg, dir string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				if pkg == "auth" && filepath.Base(path) == "store.go" {
					ast.Inspect(d, func(n ast.Node) bool {
						if it, ok := n.(*ast.InterfaceType); ok {
							for _, m := range it.Methods.List {
								for _, name := range m.Names {
									g.storeAPI[name.Name] = true
								}
							}
						}
						return true
					})
				}
			case *ast.FuncDecl:
				fi := &funcInfo{pkg: pkg}
				key := pkg + "." + d.Name.Name
				if d.Recv != nil && len(d.Recv.List) > 0 {
					if len(d.Recv.List[0].Names) > 0 {
						fi.recv = d.Recv.List[0].Names[0].Name
					}
					recvType := types(d.Recv.List[0].Type)
					if pkg == "auth" && recvType == "*Service" && d.Name.IsExported() {
						g.service[d.Name.Name] = true
					}
					key = pkg + ".(" + recvType + ")." + d.Name.Name
				}
				if d.Body != nil {
					ast.Inspect(d.Body, func(n ast.Node) bool {
						if c, ok := n.(*ast.CallExpr); ok {
							switch fn := c.Fun.(type) {
							case *ast.Ident:
								fi.calls = append(fi.calls, call{"", fn.Name})
							case *ast.SelectorExpr:
								fi.calls = append(fi.calls, call{exprString(fn.X), fn.Sel.Name})
							}
						}
						return true
					})
				}
				g.funcs[key] = fi
			}
		}
	}
}

// types renders a receiver type: *server, Service.
func types(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		return "*" + types(s.X)
	}
	return exprString(e)
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprString(x.Fun) + "()"
	}
	return "?"
}

// resolve names a handler made by a function of another package that the
// compiler inlined into web's routes (apidoc.Spec): the runtime calls it
// web.Spec.
func (g *callGraph) resolve(handler string) string {
	if _, ok := g.funcs[handler]; ok || !strings.HasPrefix(handler, "web.") {
		return handler
	}
	name := strings.TrimPrefix(handler, "web.")
	var found []string
	for key := range g.funcs {
		if _, n, _ := strings.Cut(key, "."); n == name {
			found = append(found, key)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return handler
}

// lookup finds the functions a call in pkg may reach by name: in pkg
// itself, or in the package it names (api.X, auth.X).
func (g *callGraph) lookup(pkg string, c call) []string {
	target := pkg
	if c.on == "api" || c.on == "auth" {
		target = c.on
	}
	var out []string
	for key, fi := range g.funcs {
		if fi.pkg == target && (key == target+"."+c.name || strings.HasSuffix(key, ")."+c.name)) {
			out = append(out, key)
		}
	}
	return out
}

// isService reports whether a call in a web package is a use case: a
// Service method called on the service (s.auth, d.Auth, …).
func (g *callGraph) isService(c call) bool {
	on := strings.ToLower(c.on)
	return g.service[c.name] && (on == "auth" || strings.HasSuffix(on, ".auth") || on == "svc") &&
		c.name != "Config" && c.name != "Now"
}

// reach returns the Service methods the handler calls (through its own
// package and web/api) and the store methods those call (through
// internal/auth).
func (g *callGraph) reach(handler string) (useCases, store []string) {
	key := handler
	if _, ok := g.funcs[key]; !ok || strings.HasSuffix(key, ".routes") {
		return nil, nil // a closure of the router itself (favicon)
	}
	// Through the web packages, a call on the service is a use case.
	uc := map[string]bool{}
	g.walk([]string{key}, func(fi *funcInfo, c call) []string {
		if g.isService(c) {
			uc[c.name] = true
			return nil
		}
		if c.on == "auth" {
			return nil // auth's plain functions are not use cases
		}
		return g.lookup(fi.pkg, c)
	})
	// Through internal/auth, a call of a store interface's method on
	// anything but the function's own receiver is a store method.
	st := map[string]bool{}
	var starts []string
	for name := range uc {
		starts = append(starts, "auth.(*Service)."+name)
	}
	g.walk(starts, func(fi *funcInfo, c call) []string {
		if g.storeAPI[c.name] && c.on != "" && c.on != fi.recv {
			st[c.name] = true
			return nil
		}
		return g.lookup("auth", c)
	})
	return sortedKeys(uc), sortedKeys(st)
}

// walk visits the calls of the functions keys and, transitively, of the
// functions visit returns for each call, each function once.
func (g *callGraph) walk(keys []string, visit func(fi *funcInfo, c call) (next []string)) {
	seen := map[string]bool{}
	for len(keys) > 0 {
		key := keys[len(keys)-1]
		keys = keys[:len(keys)-1]
		fi, ok := g.funcs[key]
		if seen[key] || !ok {
			continue
		}
		seen[key] = true
		for _, c := range fi.calls {
			keys = append(keys, visit(fi, c)...)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
