package apidoc_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/testenv"
	"gatehouse/web/apidoc"
)

type document struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

func load(t *testing.T) document {
	t.Helper()
	var doc document
	if err := json.Unmarshal(apidoc.Document, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// served lists "METHOD /path" for every route the app registers, with Fiber
// params written as OpenAPI templates ({id}). Left out: HEAD (Fiber adds
// one per GET), Use middleware (static files, the global 404), and the
// dialects' catch-alls (wildcard paths, and paths registered for every
// method with app.All), which only answer 404 in a dialect's envelope.
func served(app *fiber.App) []string {
	methods := map[string]map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if strings.Contains(r.Path, "*") {
			continue
		}
		p := fiberParam.ReplaceAllString(r.Path, "{$1}")
		if methods[p] == nil {
			methods[p] = map[string]bool{}
		}
		methods[p][r.Method] = true
	}
	var out []string
	for p, ms := range methods {
		all := true
		for _, m := range fiber.DefaultMethods {
			all = all && ms[m]
		}
		if all {
			continue
		}
		for m := range ms {
			if m == fiber.MethodHead {
				continue
			}
			out = append(out, m+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

func documented(doc document) []string {
	var out []string
	for p, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestDocumentCoversRoutes fails when a route Gatehouse serves is missing
// from openapi.json, or when the document describes a route that is not
// served. The environment runs in dev mode without SMTP, so that the
// /_dev/mail routes are registered too.
func TestDocumentCoversRoutes(t *testing.T) {
	e := testenv.New(t, testenv.Options{NoSMTP: true})
	doc := load(t)
	have, want := documented(doc), served(e.App)
	for _, r := range want {
		if !slices.Contains(have, r) {
			t.Errorf("route %s is served but missing from web/apidoc/openapi.json", r)
		}
	}
	for _, r := range have {
		if !slices.Contains(want, r) {
			t.Errorf("openapi.json documents %s, which Gatehouse does not serve", r)
		}
	}
}

var refRE = regexp.MustCompile(`"\$ref":\s*"#/components/(schemas|securitySchemes)/([^"]+)"`)

// TestDocumentIsWellFormed checks the basics a renderer relies on: OpenAPI
// 3.1, every $ref resolves, every operation has responses, every security
// requirement names a declared scheme, path templates match parameters.
func TestDocumentIsWellFormed(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	for _, m := range refRE.FindAllStringSubmatch(string(apidoc.Document), -1) {
		if _, ok := doc.Components.Schemas[m[2]]; !ok {
			t.Errorf("unresolved $ref %s/%s", m[1], m[2])
		}
	}
	tmpl := regexp.MustCompile(`\{([^}]+)\}`)
	for p, ops := range doc.Paths {
		for m, raw := range ops {
			var op struct {
				Responses  map[string]json.RawMessage  `json:"responses"`
				Parameters []struct{ Name, In string } `json:"parameters"`
				Security   []map[string][]string       `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s has no responses", m, p)
			}
			for _, sm := range tmpl.FindAllStringSubmatch(p, -1) {
				if !slices.ContainsFunc(op.Parameters, func(q struct{ Name, In string }) bool { return q.Name == sm[1] && q.In == "path" }) {
					t.Errorf("%s %s: path parameter %s is not declared", m, p, sm[1])
				}
			}
			for _, req := range op.Security {
				for name := range req {
					if _, ok := doc.Components.SecuritySchemes[name]; !ok {
						t.Errorf("%s %s: unknown security scheme %s", m, p, name)
					}
				}
			}
		}
	}
}

// TestServed: /openapi.json is the embedded document as JSON; /docs loads
// the vendored renderer from /static/docs with no inline script, under a
// CSP that still allows scripts from 'self' only.
func TestServed(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	res := e.Do(http.MethodGet, "/openapi.json", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || string(res.Body) != string(apidoc.Document) {
		t.Fatalf("/openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res = e.Do(http.MethodGet, "/docs", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("/docs CSP: %s", csp)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("/docs lost the global security headers")
	}
	body := string(res.Body)
	for _, m := range regexp.MustCompile(`<script([^>]*)>`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], `src="/static/`) {
			t.Errorf("inline script on /docs: %s", m[0])
		}
	}
	for _, src := range regexp.MustCompile(`src="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		if r := e.Do(http.MethodGet, src[1], nil); r.StatusCode != 200 || len(r.Body) == 0 {
			t.Errorf("%s: %d", src[1], r.StatusCode)
		}
	}
	if r := e.Do(http.MethodGet, "/static/docs/REDOC-LICENSE", nil); r.StatusCode != 200 {
		t.Errorf("licence file not served: %d", r.StatusCode)
	}
	// Elsewhere the site's strict policy is untouched.
	if csp := e.Do(http.MethodGet, "/login", nil).Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("the /docs CSP leaked: %s", csp)
	}
}
