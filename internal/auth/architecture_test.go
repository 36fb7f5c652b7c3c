package auth_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRules holds the import rules of docs/architecture.md:
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
		{"gatehouse/web", []string{"gatehouse/internal/sqlite", "gatehouse/internal/postgres", "gatehouse/internal/mail", "gatehouse/internal/outbox", "=database/sql", "github.com/mattn/go-sqlite3", "github.com/jackc/"}, nil},
		{"gatehouse/internal/sealing", []string{"gatehouse/", "github.com/"}, nil},
	}
	// No dialect imports another, nor a store. web/api/provider (social
	// sign-in, which directus exposes) is shared, so it imports no dialect.
	dialects := []string{"kuroco", "wme", "kotive", "directus", "openapi"}
	for _, d := range dialects {
		forbidden := []string{"gatehouse/internal/sqlite", "gatehouse/internal/postgres", "=database/sql"}
		for _, other := range dialects {
			if other != d {
				forbidden = append(forbidden, "gatehouse/web/api/"+other)
			}
		}
		rules = append(rules, struct {
			pkg       string
			forbidden []string
			allowed   []string
		}{"gatehouse/web/api/" + d, forbidden, nil})
	}
	var toDialects []string
	for _, d := range dialects {
		toDialects = append(toDialects, "gatehouse/web/api/"+d)
	}
	rules = append(rules, struct {
		pkg       string
		forbidden []string
		allowed   []string
	}{"gatehouse/web/api/provider", toDialects, nil})
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
