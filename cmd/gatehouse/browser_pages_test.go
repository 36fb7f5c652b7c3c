package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestBrowserPagesLook runs the real binary and audits its pages with
// axe-core in Chromium (see browser_axe_test.go).
func TestBrowserPagesLook(t *testing.T) {
	axe := axeSource(t)
	e := env{"GATEHOUSE_DB": filepath.Join(t.TempDir(), "gatehouse.db")}
	s := startServer(t, e)
	tab, step := chromiumTab(t, 10*time.Minute)
	w, enable := watchCSP(tab)
	step("enable events", enable)

	auditPage(t, tab, step, w, axe, "docs", s.base+"/docs", "#redoc .api-content")
}
