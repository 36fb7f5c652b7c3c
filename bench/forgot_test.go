package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForgotSectionKeepsTheRest: the forgot scenario's section replaces an
// earlier one in results.md and keeps the default run's report above it.
func TestForgotSectionKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "results.md")
	section := func(ratio float64) []byte {
		var b bytes.Buffer
		writeForgotMarkdown(&b, []forgotResult{{Door: "POST /x", KnownMs: 1, UnknownMs: 1 / ratio, Ratio: ratio}}, time.Now(), "0.1", "0.2")
		return b.Bytes()
	}
	if err := appendSection(path, forgotHeading, section(1.05)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# default run\n\ntable\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range []float64{1.05, 1.5} {
		if err := appendSection(path, forgotHeading, section(r)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	s := string(got)
	if !strings.HasPrefix(s, "# default run\n\ntable\n\n"+forgotHeading) || strings.Count(s, forgotHeading) != 1 {
		t.Fatalf("results.md:\n%s", s)
	}
	if !strings.Contains(s, "| POST /x | 1.000 | 0.667 | 1.500 | no |") {
		t.Fatalf("the newest section is missing or wrong:\n%s", s)
	}
}
