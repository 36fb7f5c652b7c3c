package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// Compression and caching (issue 13). The size checks are budgets on bytes,
// not timings.

// fetch GETs path with the given Accept-Encoding and returns the response
// and the body as transferred.
func (b *browser) fetch(path, acceptEncoding string, headers ...string) *response {
	b.e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// decoded undoes the response's Content-Encoding.
func decoded(t *testing.T, r *response) string {
	t.Helper()
	var rd io.Reader
	switch r.Header.Get("Content-Encoding") {
	case "":
		return r.body
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "br":
		rd = brotli.NewReader(strings.NewReader(r.body))
	default:
		t.Fatalf("unknown Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var assetRefRE = regexp.MustCompile(`(?:href|src|data-spec-url)="(/[^"]+)"`)

// TestDocsTransferBudget: /docs and everything it loads (stylesheet,
// images, scripts, the OpenAPI document its script fetches) move less than
// 400 KB with brotli, and with gzip.
func TestDocsTransferBudget(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, enc := range []string{"br, gzip", "gzip"} {
		b := e.browser()
		page := b.fetch("/docs", enc)
		expectStatus(t, page, http.StatusOK)
		if page.Header.Get("Content-Encoding") == "" && len(page.body) > 1000 {
			t.Errorf("%s: /docs HTML is not compressed", enc)
		}
		total := len(page.body)
		seen := map[string]bool{}
		for _, m := range assetRefRE.FindAllStringSubmatch(decoded(t, page), -1) {
			ref := m[1]
			if seen[ref] || strings.HasPrefix(ref, "/login") || strings.HasPrefix(ref, "/register") || ref == "/" || strings.HasPrefix(ref, "/_dev") || ref == "/openapi.json#" {
				continue
			}
			seen[ref] = true
			if !strings.HasPrefix(ref, "/static/") && ref != "/openapi.json" {
				continue // a link to another page, not a resource of this one
			}
			r := b.fetch(ref, enc)
			expectStatus(t, r, http.StatusOK)
			total += len(r.body)
			t.Logf("%s %s: %d bytes (%s)", enc, ref, len(r.body), r.Header.Get("Content-Encoding"))
		}
		if !seen["/openapi.json"] {
			// The script fetches it; count it even when the page names it elsewhere.
			r := b.fetch("/openapi.json", enc)
			total += len(r.body)
		}
		if !slicesHasRedoc(seen) {
			t.Fatalf("no ReDoc bundle among the resources of /docs: %v", seen)
		}
		t.Logf("/docs with %s: %d bytes", enc, total)
		if total >= 400*1024 {
			t.Errorf("/docs with %s transfers %d bytes, budget 400 KB", enc, total)
		}
	}
}

func slicesHasRedoc(seen map[string]bool) bool {
	for ref := range seen {
		if strings.Contains(ref, "redoc.standalone") {
			return true
		}
	}
	return false
}

// TestStylesheetBudget: app.css is under 6 KB compressed.
func TestStylesheetBudget(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	css := cssURL(t, b)
	for _, enc := range []string{"br", "gzip"} {
		r := b.fetch(css, enc)
		expectStatus(t, r, http.StatusOK)
		if r.Header.Get("Content-Encoding") != enc {
			t.Errorf("%s: Content-Encoding %q", enc, r.Header.Get("Content-Encoding"))
		}
		t.Logf("app.css with %s: %d bytes (%d plain)", enc, len(r.body), len(decoded(t, r)))
		if len(r.body) >= 6*1024 {
			t.Errorf("app.css with %s is %d bytes, budget 6 KB", enc, len(r.body))
		}
	}
}

var cssRE = regexp.MustCompile(`<link rel="stylesheet" href="(/static/css/app\.[0-9a-f]{10}\.css)"`)

// cssURL is the fingerprinted stylesheet URL the pages link to.
func cssURL(t *testing.T, b *browser) string {
	t.Helper()
	m := cssRE.FindStringSubmatch(b.get("/login").body)
	if m == nil {
		t.Fatal("/login does not link a fingerprinted app.css")
	}
	return m[1]
}

func TestStaticCaching(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.browser()
	css := cssURL(t, b)

	// The fingerprinted URL is immutable for a year.
	r := b.fetch(css, "")
	expectStatus(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("%s: Cache-Control %q", css, cc)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	// The plain URL serves the same bytes, revalidated on every use.
	plain := b.fetch("/static/css/app.css", "")
	expectStatus(t, plain, http.StatusOK)
	if plain.body != r.body || plain.Header.Get("Cache-Control") != "public, no-cache" || plain.Header.Get("ETag") != etag {
		t.Errorf("plain URL: Cache-Control %q ETag %q", plain.Header.Get("Cache-Control"), plain.Header.Get("ETag"))
	}
	// A revalidation with the ETag is a 304 without a body, compressed or not.
	for _, enc := range []string{"", "gzip"} {
		nm := b.fetch("/static/css/app.css", enc, "If-None-Match", etag)
		if nm.StatusCode != http.StatusNotModified || nm.body != "" {
			t.Errorf("If-None-Match (%q): %d with %d bytes", enc, nm.StatusCode, len(nm.body))
		}
	}
	// Compressed and plain forms differ, and say so in Vary.
	gz := b.fetch(css, "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") || decoded(t, gz) != r.body {
		t.Errorf("gzip: encoding %q, Vary %q", gz.Header.Get("Content-Encoding"), gz.Header.Get("Vary"))
	}
	if q := b.fetch(css, "gzip;q=0, identity"); q.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", q.Header.Get("Content-Encoding"))
	}
	// A stale or unknown fingerprint, or an unknown file, is not served.
	for _, p := range []string{"/static/css/app.0000000000.css", "/static/css/nope.css", "/static/../static.go"} {
		if r := b.fetch(p, ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
	}
	// The OpenAPI document has an ETag and is compressed once.
	doc := b.fetch("/openapi.json", "br")
	if doc.Header.Get("Content-Encoding") != "br" || doc.Header.Get("ETag") == "" || !strings.HasPrefix(decoded(t, doc), "{") {
		t.Errorf("/openapi.json: encoding %q ETag %q", doc.Header.Get("Content-Encoding"), doc.Header.Get("ETag"))
	}
}

// TestPagesAndJSONCompressed: HTML pages and API JSON are compressed for
// clients that accept it, and plain for those that do not.
func TestPagesAndJSONCompressed(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", "violet-harbour-lantern-42")
	b := e.browser()
	for _, enc := range []string{"br", "gzip"} {
		r := b.fetch("/login", enc)
		if r.Header.Get("Content-Encoding") != enc || !strings.Contains(decoded(t, r), "<form") {
			t.Errorf("/login with %s: Content-Encoding %q", enc, r.Header.Get("Content-Encoding"))
		}
	}
	if r := b.fetch("/login", ""); r.Header.Get("Content-Encoding") != "" || !strings.Contains(r.body, "<form") {
		t.Errorf("/login without Accept-Encoding: %q", r.Header.Get("Content-Encoding"))
	}
	// A JSON answer large enough to be worth it.
	req := httptest.NewRequest(http.MethodGet, "/.well-known/openid-configuration", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r := b.do(req)
	if len(decoded(t, r)) > 200 && r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("openid-configuration (%d bytes) not compressed", len(decoded(t, r)))
	}
}

// TestCSRFTokenMaskedPerPage: the token on a page changes with every render
// (BREACH), and each rendering is accepted.
func TestCSRFTokenMaskedPerPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", "violet-harbour-lantern-42")
	b := e.browser()
	first, second := b.csrf("/login"), b.csrf("/login")
	if first == second {
		t.Fatalf("the same CSRF string on two renders: %q", first)
	}
	r := b.postRaw("/login", url.Values{"_csrf": {first}, "identifier": {"ann@example.com"}, "password": {"violet-harbour-lantern-42"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("the older masked token was refused: %d", r.StatusCode)
	}
	tampered := []byte(b.csrf("/account"))
	tampered[len(tampered)-1] ^= 1
	if r := b.postRaw("/logout", url.Values{"_csrf": {string(tampered)}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("a tampered token: %d, want 403", r.StatusCode)
	}
}

// TestDocsInChrome: /docs is a page of the site (header, footer, the
// signed-in state), and nothing it loads leaves the site: the ReDoc bundle
// as served no longer points at cdn.redoc.ly, which the CSP would block.
func TestDocsInChrome(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.createMember("ann@example.com", goodPw)
	b := e.browser()
	r := b.get("/docs")
	expectStatus(t, r, http.StatusOK)
	for _, want := range []string{`class="site-header"`, `class="site-footer"`, `data-testid="nav-login"`, `id="redoc"`, `<h1 class="docs__title">API reference</h1>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/docs lacks %s", want)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
		t.Errorf("/docs CSP %q", csp)
	}
	m := regexp.MustCompile(`src="(/static/docs/redoc\.standalone\.[0-9a-f]{10}\.js)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("/docs does not load a fingerprinted ReDoc")
	}
	bundle := b.fetch(m[1], "")
	if strings.Contains(bundle.body, "cdn.redoc.ly") || !strings.Contains(bundle.body, `src:"/static/img/logo.svg"`) {
		t.Error("the served ReDoc still loads its logo from cdn.redoc.ly")
	}
	b.mustLogin("ann@example.com", goodPw)
	if r := b.get("/docs"); !strings.Contains(r.body, `data-testid="nav-member"`) {
		t.Error("/docs does not show who is signed in")
	}
}
