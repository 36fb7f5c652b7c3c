package auth_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The repository explains itself: no Go file may send its reader to a
// document outside it. Rules are cited as docs/security.md ids, shared
// decisions as docs/contract.md sections, dialect details in docs/dialects.
func TestNoReferenceOutsideTheRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	outside := regexp.MustCompile(`\.\./shared|api-contract|security-checklist|pitfalls\.md|(^|[^/])\bchecklist [A-Z][0-9]`)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			// This file names the patterns it looks for.
			if strings.HasSuffix(path, "docrefs_test.go") {
				break
			}
			if outside.MatchString(line) {
				t.Errorf("%s:%d refers outside the repository: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d Go files checked: the walk did not cover the repository", checked)
	}
}
