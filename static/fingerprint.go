package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// Fingerprinted URLs. Every embedded file is served at its plain URL
// (/static/css/app.css: revalidated with its ETag on every use) and at a URL
// naming a hash of its content (/static/css/app.1a2b3c4d5e.css: cached for a
// year as immutable, since a new content gets a new URL). Pages link to the
// fingerprinted URL through URL.

type fingerprints struct {
	hash  map[string]string // file name → content hash (10 hex digits)
	byURL map[string]string // fingerprinted name → file name
}

var loadFingerprints = sync.OnceValue(func() fingerprints {
	f := fingerprints{hash: map[string]string{}, byURL: map[string]string{}}
	_ = fs.WalkDir(FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := Content(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:5])
		f.hash[name] = h
		f.byURL[withHash(name, h)] = name
		return nil
	})
	return f
})

// withHash inserts h before the extension: css/app.css → css/app.h.css.
func withHash(name, h string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + h + ext
}

// URL is the fingerprinted URL of the embedded file name ("css/app.css");
// the plain /static/ URL for a name that does not exist.
func URL(name string) string {
	if h, ok := loadFingerprints().hash[name]; ok {
		return "/static/" + withHash(name, h)
	}
	return "/static/" + name
}

// Resolve maps a path under /static/ to the embedded file it names and
// reports whether the path was the fingerprinted one (immutable).
func Resolve(p string) (name string, immutable, ok bool) {
	f := loadFingerprints()
	if name, ok := f.byURL[p]; ok {
		return name, true, true
	}
	if _, ok := f.hash[p]; ok {
		return p, false, true
	}
	return "", false, false
}

// Hash is the content hash of the embedded file name ("" when absent).
func Hash(name string) string { return loadFingerprints().hash[name] }

// redocLogo is the one URL outside the site that ReDoc loads: the Redocly
// logo of its "API docs by Redocly" link, which the site's CSP (img-src
// 'self') blocks. Content serves ReDoc with it replaced by the site's own
// logo, so the vendored file stays as published (docs/README.md).
const redocLogo = `src:"https://cdn.redoc.ly/redoc/logo-mini.svg"`

// Content is the embedded file name as served.
func Content(name string) ([]byte, error) {
	b, err := fs.ReadFile(FS, name)
	if err != nil || name != "docs/redoc.standalone.js" {
		return b, err
	}
	return bytes.Replace(b, []byte(redocLogo), []byte(`src:"/static/img/logo.svg"`), 1), nil
}
