package web

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"gatehouse/internal/auth"
	"gatehouse/views"
)

// requireAdmin guards the member editor (/admin/…): anonymous visitors go to
// the login page, members without an admin role and every proxied session
// (docs/security.md X3) get 403. The service checks again, per target.
func requireAdmin(c *fiber.Ctx) error {
	m, as := currentMember(c)
	switch {
	case m == nil:
		return c.Redirect("/login", fiber.StatusSeeOther)
	case as != nil && as.ActorID != 0:
		return fiber.NewError(fiber.StatusForbidden, "The member editor is not available while acting as another member.")
	case !auth.IsAdmin(*m):
		return fiber.NewError(fiber.StatusForbidden, "Only Account Owners and User Administrators may use the member editor.")
	}
	return c.Next()
}

// paramID parses a positive integer route parameter; anything else is 404.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// query returns a copy of a query parameter, trimmed.
func query(c *fiber.Ctx, key string) string { return strings.TrimSpace(strings.Clone(c.Query(key))) }

// formInt parses an integer form value; 0 when absent or malformed.
func formInt(c *fiber.Ctx, key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.FormValue(key)), 10, 64)
	return n
}

// formGrants reads the role table's checkboxes: every "grant" value of the
// form "group:role". Malformed values are ignored; the service validates
// groups and roles.
func formGrants(c *fiber.Ctx) []auth.RoleGrant {
	var out []auth.RoleGrant
	for _, raw := range c.Request().PostArgs().PeekMulti("grant") {
		g, r, ok := strings.Cut(string(raw), ":")
		if !ok {
			continue
		}
		gid, err1 := strconv.ParseInt(g, 10, 64)
		rid, err2 := strconv.ParseInt(r, 10, 64)
		if err1 != nil || err2 != nil || gid <= 0 || rid <= 0 {
			continue
		}
		grant := auth.RoleGrant{Group: gid, Role: auth.RoleID(rid)}
		if !slices.Contains(out, grant) {
			out = append(out, grant)
		}
	}
	return out
}

// groupTree orders groups depth-first from the root(s), siblings by name;
// a group whose parent is not in the list starts a tree of its own.
func groupTree(groups []auth.Group) []views.GroupRow {
	known := map[int64]bool{}
	children := map[int64][]auth.Group{}
	for _, g := range groups {
		known[g.ID] = true
	}
	var roots []auth.Group
	for _, g := range groups {
		if g.ParentID == 0 || !known[g.ParentID] {
			roots = append(roots, g)
		} else {
			children[g.ParentID] = append(children[g.ParentID], g)
		}
	}
	byName := func(a, b auth.Group) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	}
	slices.SortFunc(roots, func(a, b auth.Group) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]views.GroupRow, 0, len(groups))
	seen := map[int64]bool{}
	var walk func(g auth.Group, depth int)
	walk = func(g auth.Group, depth int) {
		if seen[g.ID] {
			return
		}
		seen[g.ID] = true
		out = append(out, views.GroupRow{Group: g, Depth: depth})
		kids := children[g.ID]
		slices.SortFunc(kids, byName)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return out
}

// adminGroups loads the group tree the admin sees.
func (s *server) adminGroups(ctx context.Context, a auth.Actor) ([]views.GroupRow, error) {
	groups, err := s.auth.Groups(ctx, a)
	if err != nil {
		return nil, err
	}
	return groupTree(groups), nil
}

// memberNames labels member ids for lists (audit, grants), looking each up
// once per request. A member the admin cannot see, or one deleted since,
// shows as "Member #id".
type memberNames struct {
	s     *server
	ctx   context.Context
	a     auth.Actor
	cache map[int64]*auth.Member
}

func (s *server) names(ctx context.Context, a auth.Actor) *memberNames {
	return &memberNames{s: s, ctx: ctx, a: a, cache: map[int64]*auth.Member{}}
}

// get returns the member or nil.
func (n *memberNames) get(id int64) *auth.Member {
	if m, ok := n.cache[id]; ok {
		return m
	}
	var mp *auth.Member
	if m, err := n.s.auth.AdminGetMember(n.ctx, n.a, id); err == nil {
		mp = &m
	}
	n.cache[id] = mp
	return mp
}

func (n *memberNames) label(id int64, zero string) string {
	if id == 0 {
		return zero
	}
	if m := n.get(id); m != nil {
		return m.DisplayName() + " <" + m.Email + ">"
	}
	return "Member #" + strconv.FormatInt(id, 10)
}

// auditRows labels audit entries for display.
func (n *memberNames) auditRows(entries []auth.AuditEntry) []views.AuditRow {
	rows := make([]views.AuditRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, views.AuditRow{AuditEntry: e, Actor: n.label(e.ActorID, "Command line"), Subject: n.label(e.SubjectID, "—")})
	}
	return rows
}

// isFormError reports whether err is a domain refusal to show on the page
// (as opposed to an internal error, which goes to the error page).
func isFormError(err error) bool {
	switch auth.ErrorCode(err) {
	case auth.EINVALID, auth.ECONFLICT, auth.EFORBIDDEN, auth.ENOTFOUND, auth.ERATELIMIT:
		return true
	}
	return false
}
