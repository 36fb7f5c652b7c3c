package auth_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRules holds the import rules of design.md (mirrored in
// docs/architecture.md):
// the domain core knows nothing of the web, SQL, templ or mail; adapters do
// not reach into each other. It reads the real import graph with go list.
func TestDependencyRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not available")
	}
	rules := []struct {
		pkg       string
		forbidden []string
		allowed   []string // exceptions to forbidden
	}{
		// internal/argon2 is a leaf: x/crypto's argon2 with reused work
		// areas, no I/O.
		{"gatehouse/internal/auth", []string{"github.com/gofiber/", "github.com/a-h/templ", "=database/sql", "github.com/wneessen/go-mail", "github.com/mattn/go-sqlite3", "gatehouse/"}, []string{"gatehouse/internal/argon2"}},
		{"gatehouse/internal/sqlite", []string{"github.com/gofiber/", "github.com/a-h/templ", "gatehouse/web", "gatehouse/views", "gatehouse/internal/outbox", "gatehouse/internal/mail"}, nil},
		{"gatehouse/internal/postgres", []string{"github.com/gofiber/", "github.com/a-h/templ", "gatehouse/web", "gatehouse/views", "gatehouse/internal/outbox", "gatehouse/internal/mail", "gatehouse/internal/sqlite"}, nil},
		{"gatehouse/internal/outbox", []string{"github.com/gofiber/", "gatehouse/internal/sqlite", "=database/sql", "gatehouse/web"}, nil},
		{"gatehouse/internal/mail", []string{"github.com/gofiber/", "gatehouse/internal/sqlite", "gatehouse/web"}, nil},
		{"gatehouse/views", []string{"github.com/gofiber/", "gatehouse/web", "gatehouse/internal/sqlite", "=database/sql"}, nil},
		// The metrics registry takes plain values and functions; the
		// webhook worker reaches the store through its own interface.
		{"gatehouse/internal/metrics", []string{"github.com/gofiber/", "=database/sql", "gatehouse/"}, nil},
		{"gatehouse/internal/webhook", []string{"github.com/gofiber/", "gatehouse/internal/sqlite", "=database/sql", "gatehouse/web"}, nil},
		{"gatehouse/web", []string{"gatehouse/internal/sqlite", "gatehouse/internal/mail", "gatehouse/internal/outbox", "=database/sql", "github.com/mattn/go-sqlite3"}, nil},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", r.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == r.pkg || slices.Contains(r.allowed, dep) {
				continue
			}
			for _, f := range r.forbidden {
				// "=name" forbids exactly that package; anything else is a prefix.
				hit := strings.HasPrefix(dep, f)
				if exact, ok := strings.CutPrefix(f, "="); ok {
					hit = dep == exact
				}
				if hit {
					t.Errorf("%s imports %s (forbidden: %s)", r.pkg, dep, f)
				}
			}
		}
	}
}
