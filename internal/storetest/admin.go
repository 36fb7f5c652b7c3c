package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func testGroups(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	sales := &auth.Group{ParentID: auth.RootGroup, Name: "Sales"}
	emea := &auth.Group{Name: "EMEA"}
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateGroup(ctx, sales); err != nil {
			return err
		}
		emea.ParentID = sales.ID
		return tx.CreateGroup(ctx, emea)
	})
	if sales.ID == 0 || emea.ID == 0 {
		t.Fatal("IDs not set")
	}
	root := auth.Group{ID: 1, Name: "Organisation"}
	got, err := s.ListGroups(ctx)
	if want := []auth.Group{root, *sales, *emea}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ListGroups = %+v, %v; want %+v", got, err, want)
	}
	if g, err := s.GroupByID(ctx, emea.ID); err != nil || g != *emea {
		t.Errorf("GroupByID = %+v, %v", g, err)
	}
	_, err = s.GroupByID(ctx, 99)
	wantCode(t, err, auth.ENOTFOUND)

	update := func(fn func(tx auth.Tx) error) error { return s.Update(ctx, fn) }
	for _, c := range []struct {
		name string
		g    auth.Group
		code string
	}{
		{"unknown parent", auth.Group{ParentID: 99, Name: "X"}, auth.EINVALID},
		{"no parent", auth.Group{Name: "X"}, auth.EINVALID},
		{"no name", auth.Group{ParentID: 1, Name: "  "}, auth.EINVALID},
	} {
		g := c.g
		err := update(func(tx auth.Tx) error { return tx.CreateGroup(ctx, &g) })
		if e := auth.AsError(err); e == nil || e.Code != c.code {
			t.Errorf("CreateGroup %s: %v, want %s", c.name, err, c.code)
		}
	}

	// Rename and move EMEA under the root; rename the root.
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.UpdateGroup(ctx, auth.Group{ID: emea.ID, ParentID: 1, Name: "Europe"}); err != nil {
			return err
		}
		return tx.UpdateGroup(ctx, auth.Group{ID: 1, Name: "Acme"})
	})
	if g, _ := s.GroupByID(ctx, emea.ID); g != (auth.Group{ID: emea.ID, ParentID: 1, Name: "Europe"}) {
		t.Errorf("after update: %+v", g)
	}
	if g, _ := s.GroupByID(ctx, 1); g != (auth.Group{ID: 1, Name: "Acme"}) {
		t.Errorf("root after rename: %+v", g)
	}
	// Europe back under Sales; then Sales under Europe would be a cycle.
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.UpdateGroup(ctx, auth.Group{ID: emea.ID, ParentID: sales.ID, Name: "Europe"})
	})
	for _, c := range []struct {
		name string
		g    auth.Group
		code string
	}{
		{"cycle", auth.Group{ID: sales.ID, ParentID: emea.ID, Name: "Sales"}, auth.EINVALID},
		{"own parent", auth.Group{ID: sales.ID, ParentID: sales.ID, Name: "Sales"}, auth.EINVALID},
		{"root moves", auth.Group{ID: 1, ParentID: sales.ID, Name: "Acme"}, auth.EINVALID},
		{"unknown parent", auth.Group{ID: sales.ID, ParentID: 99, Name: "Sales"}, auth.EINVALID},
		{"no parent", auth.Group{ID: sales.ID, Name: "Sales"}, auth.EINVALID},
		{"unknown group", auth.Group{ID: 99, ParentID: 1, Name: "X"}, auth.ENOTFOUND},
	} {
		err := update(func(tx auth.Tx) error { return tx.UpdateGroup(ctx, c.g) })
		if e := auth.AsError(err); e == nil || e.Code != c.code {
			t.Errorf("UpdateGroup %s: %v, want %s", c.name, err, c.code)
		}
	}
}

func testDeleteGroup(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	parent := &auth.Group{ParentID: 1, Name: "Parent"}
	child := &auth.Group{Name: "Child"}
	held := &auth.Group{ParentID: 1, Name: "Held"}
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateGroup(ctx, parent); err != nil {
			return err
		}
		child.ParentID = parent.ID
		if err := tx.CreateGroup(ctx, child); err != nil {
			return err
		}
		return tx.CreateGroup(ctx, held)
	})
	m := newMember("m@example.com", "")
	m.Roles = []auth.RoleGrant{{Group: held.ID, Role: auth.RoleMaker}}
	create(t, s, m)
	del := func(id int64) error {
		return s.Update(ctx, func(tx auth.Tx) error { return tx.DeleteGroup(ctx, id) })
	}
	wantCode(t, del(auth.RootGroup), auth.EFORBIDDEN)
	if e := wantCode(t, del(parent.ID), auth.ECONFLICT); e.Message != "This group still has subgroups or members." {
		t.Errorf("message = %q", e.Message)
	}
	wantCode(t, del(held.ID), auth.ECONFLICT)
	wantCode(t, del(99), auth.ENOTFOUND)
	// Leaf first, then its parent; the held group once nobody holds a role in it.
	for _, id := range []int64{child.ID, parent.ID} {
		if err := del(id); err != nil {
			t.Fatalf("delete %d: %v", id, err)
		}
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetRoles(ctx, m.ID, nil) })
	if err := del(held.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ListGroups(ctx); len(got) != 1 || got[0].ID != 1 {
		t.Errorf("groups left: %+v", got)
	}
}

func testProxyGrants(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	a := create(t, s, newMember("a@example.com", ""))
	b := create(t, s, newMember("b@example.com", ""))
	c := create(t, s, newMember("c@example.com", ""))
	admin := create(t, s, newMember("admin@example.com", ""))
	grant := func(target, actor, by int64) (*auth.ProxyGrant, error) {
		g := &auth.ProxyGrant{TargetID: target, ActorID: actor, CreatedBy: by, CreatedAt: t0}
		return g, s.Update(ctx, func(tx auth.Tx) error { return tx.GrantProxy(ctx, g) })
	}
	ab, err := grant(b.ID, a.ID, admin.ID) // a may log in as b
	if err != nil || ab.ID == 0 {
		t.Fatalf("GrantProxy = %+v, %v", ab, err)
	}
	cb, err := grant(b.ID, c.ID, 0) // from the CLI
	if err != nil {
		t.Fatal(err)
	}
	ac, err := grant(c.ID, a.ID, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = grant(b.ID, a.ID, 0)
	wantCode(t, err, auth.ECONFLICT)
	_, err = grant(a.ID, a.ID, 0)
	wantCode(t, err, auth.EINVALID)
	_, err = grant(a.ID, 999, 0)
	wantCode(t, err, auth.ENOTFOUND)

	if got, err := s.ProxyGrantsForTarget(ctx, b.ID); err != nil || !reflect.DeepEqual(got, []auth.ProxyGrant{*ab, *cb}) {
		t.Errorf("ForTarget(b) = %+v, %v", got, err)
	}
	if got, err := s.ProxyGrantsForActor(ctx, a.ID); err != nil || !reflect.DeepEqual(got, []auth.ProxyGrant{*ab, *ac}) {
		t.Errorf("ForActor(a) = %+v, %v", got, err)
	}
	if got, err := s.ProxyGrantsForTarget(ctx, a.ID); err != nil || len(got) != 0 {
		t.Errorf("ForTarget(a) = %+v, %v", got, err)
	}
	if got, err := s.ProxyGrantOf(ctx, b.ID, a.ID); err != nil || got != *ab {
		t.Errorf("ProxyGrantOf = %+v, %v", got, err)
	}
	_, err = s.ProxyGrantOf(ctx, a.ID, b.ID) // the other direction
	wantCode(t, err, auth.ENOTFOUND)

	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RevokeProxy(ctx, b.ID, c.ID) })
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.RevokeProxy(ctx, b.ID, c.ID) })
	wantCode(t, err, auth.ENOTFOUND)

	// Deleting the granting admin keeps the grant (CreatedBy 0); deleting
	// a party removes its grants.
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, admin.ID) })
	if got, _ := s.ProxyGrantOf(ctx, b.ID, a.ID); got.CreatedBy != 0 || got.ID != ab.ID {
		t.Errorf("after deleting the admin: %+v", got)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, c.ID) })
	if got, _ := s.ProxyGrantsForActor(ctx, a.ID); !reflect.DeepEqual(got, []auth.ProxyGrant{{ID: ab.ID, TargetID: b.ID, ActorID: a.ID, CreatedAt: t0}}) {
		t.Errorf("after deleting c: %+v", got)
	}
}

func testRevokeProxySessions(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	target := create(t, s, newMember("target@example.com", ""))
	a := create(t, s, newMember("a@example.com", ""))
	b := create(t, s, newMember("b@example.com", ""))
	other := create(t, s, newMember("other@example.com", ""))
	revoked := t0.Add(-time.Minute)
	sessions := map[string]*auth.Session{
		"target own":         {MemberID: target.ID},
		"a as target":        {MemberID: target.ID, ActorID: a.ID},
		"a as target again":  {MemberID: target.ID, ActorID: a.ID},
		"a as target, ended": {MemberID: target.ID, ActorID: a.ID, RevokedAt: &revoked},
		"a as target, old":   {MemberID: target.ID, ActorID: a.ID, ExpiresAt: t0.Add(-time.Second)},
		"b as target":        {MemberID: target.ID, ActorID: b.ID},
		"a as other":         {MemberID: other.ID, ActorID: a.ID},
		"a own":              {MemberID: a.ID},
	}
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, sess := range sessions {
			sess.Via, sess.CreatedAt = auth.ViaPage, t0.Add(-time.Hour)
			if sess.ExpiresAt.IsZero() {
				sess.ExpiresAt = t0.Add(time.Hour)
			}
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
		}
		return nil
	})
	revoke := func(actor int64) int {
		var n int
		mustUpdate(t, s, func(tx auth.Tx) error {
			var err error
			n, err = tx.RevokeProxySessions(ctx, target.ID, actor, t0)
			return err
		})
		return n
	}
	check := func(step string, wantRevoked ...string) {
		t.Helper()
		want := map[string]bool{"a as target, ended": true}
		for _, n := range wantRevoked {
			want[n] = true
		}
		for name, sess := range sessions {
			got, err := s.SessionByID(ctx, sess.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.RevokedAt != nil) != want[name] {
				t.Errorf("%s: %q revoked = %v, want %v", step, name, got.RevokedAt, want[name])
			}
		}
	}
	if n := revoke(a.ID); n != 2 {
		t.Errorf("revoked %d for a, want 2", n)
	}
	check("actor a", "a as target", "a as target again")
	if got, _ := s.SessionByID(ctx, sessions["a as target"].ID); got.RevokedAt == nil || !got.RevokedAt.Equal(t0) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, t0)
	}
	if n := revoke(a.ID); n != 0 {
		t.Errorf("second revoke = %d", n)
	}
	if n := revoke(0); n != 1 {
		t.Errorf("revoked %d for any actor, want 1", n)
	}
	check("any actor", "a as target", "a as target again", "b as target")
}

func testAudit(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	e := &auth.AuditEntry{At: t0, ActorID: 1, SubjectID: 2, Action: auth.AuditProxyGrant, Detail: "d",
		GrantID: 7, IP: "192.0.2.1", UserAgent: "UA", Door: auth.ViaWME, Result: auth.ResultOK}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.AddAudit(ctx, e) })
	if e.ID == 0 {
		t.Fatal("ID not set")
	}
	got, err := s.ListAudit(ctx, auth.AuditQuery{})
	if err != nil || len(got) != 1 || got[0] != *e {
		t.Fatalf("ListAudit = %+v, %v; want %+v", got, err, *e)
	}
	// Zero values: the CLI as actor, no subject, empty strings, the store's clock.
	cli := &auth.AuditEntry{Action: auth.AuditGroupCreate}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.AddAudit(ctx, cli) })
	if got, _ := s.ListAudit(ctx, auth.AuditQuery{Limit: 1}); len(got) != 1 || got[0].ID != cli.ID ||
		got[0].ActorID != 0 || got[0].SubjectID != 0 || got[0].GrantID != 0 || got[0].At.IsZero() {
		t.Errorf("CLI entry = %+v", got)
	}

	// Many entries: actor/subject pairs and actions cycle.
	actions := []string{auth.AuditProxyStart, auth.AuditMemberUpdate, auth.AuditProxyStop, "proxyx.odd"}
	all := []auth.AuditEntry{*e, *cli}
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range 600 {
			e := &auth.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), ActorID: int64(10 + i%3), SubjectID: int64(20 + i%5), Action: actions[i%4]}
			if err := tx.AddAudit(ctx, e); err != nil {
				return err
			}
			all = append(all, *e)
		}
		return nil
	})
	filter := func(q auth.AuditQuery) []int64 {
		var out []int64
		for i := len(all) - 1; i >= 0; i-- {
			e := all[i]
			if q.Before > 0 && e.ID >= q.Before {
				continue
			}
			if !q.From.IsZero() && e.At.Before(q.From) || !q.To.IsZero() && !e.At.Before(q.To) {
				continue
			}
			if q.MemberID != 0 && e.ActorID != q.MemberID && e.SubjectID != q.MemberID {
				continue
			}
			if q.Action != "" && e.Action != q.Action &&
				!(q.Action[len(q.Action)-1] == '.' && len(e.Action) > len(q.Action) && e.Action[:len(q.Action)] == q.Action) {
				continue
			}
			out = append(out, e.ID)
		}
		return out
	}
	for _, c := range []struct {
		q    auth.AuditQuery
		want int // entries expected before the limit
	}{
		{auth.AuditQuery{Limit: 1000}, 602},
		{auth.AuditQuery{MemberID: 11, Limit: 1000}, 200},
		{auth.AuditQuery{MemberID: 22, Limit: 1000}, 120},
		{auth.AuditQuery{MemberID: 2, Limit: 1000}, 1}, // subject of the first entry
		{auth.AuditQuery{MemberID: 1, Limit: 1000}, 1}, // actor of the first entry
		{auth.AuditQuery{Action: auth.AuditProxyStart, Limit: 1000}, 150},
		{auth.AuditQuery{Action: "proxy.", Limit: 1000}, 301},  // start, stop, the first grant; not proxyx.
		{auth.AuditQuery{Action: "proxy", Limit: 1000}, 0},     // exact only
		{auth.AuditQuery{Action: "member.", MemberID: 10}, 50}, // i%4==1 and i%3==0
		{auth.AuditQuery{Before: all[100].ID, Limit: 1000}, 100},
		{auth.AuditQuery{Before: all[300].ID, MemberID: 12, Action: "proxy.", Limit: 1000}, 50},
		// Time range: the i-th generated entry is at t0 + i minutes; the two
		// first entries are at t0 and at the store's clock (now).
		{auth.AuditQuery{From: t0.Add(100 * time.Minute), To: t0.Add(200 * time.Minute), Limit: 1000}, 100},
		{auth.AuditQuery{From: t0.Add(590 * time.Minute), To: t0.Add(10000 * time.Minute), Action: auth.AuditProxyStart, Limit: 1000}, 2},
		{auth.AuditQuery{To: t0.Add(time.Minute), Limit: 1000}, 2},
	} {
		want := filter(c.q)
		if len(want) != c.want {
			t.Errorf("%+v: the reference filter finds %d, test expects %d", c.q, len(want), c.want)
		}
		limit := min(c.q.Limit, 500)
		if limit == 0 {
			limit = 50
		}
		if len(want) > limit {
			want = want[:limit]
		}
		got, err := s.ListAudit(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("%+v:\n got %v\nwant %v", c.q, ids, want)
		}
	}
	for _, c := range []struct{ limit, want int }{{0, 50}, {-3, 50}, {10, 10}, {500, 500}, {501, 500}} {
		if got, _ := s.ListAudit(ctx, auth.AuditQuery{Limit: c.limit}); len(got) != c.want {
			t.Errorf("Limit %d: %d entries, want %d", c.limit, len(got), c.want)
		}
	}
}

func testFiles(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("m@example.com", ""))
	other := create(t, s, newMember("o@example.com", ""))
	newFile := func(member int64, key string) *auth.File {
		return &auth.File{MemberID: member, Kind: auth.FileAttachment, Name: "report.pdf",
			ContentType: "application/pdf", Size: 1234, StorageKey: key, CreatedAt: t0}
	}
	f1, f2 := newFile(m.ID, "k1"), newFile(m.ID, "k2")
	f2.Kind, f2.Name, f2.ContentType = auth.FileAvatar, "me.png", "image/png"
	f3 := newFile(other.ID, "k3")
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, f := range []*auth.File{f1, f2, f3} {
			if err := tx.CreateFile(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if f1.ID == 0 || f2.ID == 0 {
		t.Fatal("ID not set")
	}
	if got, err := s.FilesOfMember(ctx, m.ID); err != nil || !reflect.DeepEqual(got, []auth.File{*f1, *f2}) {
		t.Errorf("FilesOfMember = %+v, %v", got, err)
	}
	if got, err := s.FileByID(ctx, f2.ID); err != nil || got != *f2 {
		t.Errorf("FileByID = %+v, %v", got, err)
	}
	_, err := s.FileByID(ctx, 999)
	wantCode(t, err, auth.ENOTFOUND)
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.CreateFile(ctx, newFile(m.ID, "k1")) })
	wantCode(t, err, auth.ECONFLICT)
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.CreateFile(ctx, newFile(999, "k9")) })
	wantCode(t, err, auth.ENOTFOUND)

	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteFile(ctx, f1.ID) })
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.DeleteFile(ctx, f1.ID) })
	wantCode(t, err, auth.ENOTFOUND)
	if got, _ := s.FilesOfMember(ctx, m.ID); !reflect.DeepEqual(got, []auth.File{*f2}) {
		t.Errorf("after delete: %+v", got)
	}
	// Deleting the member removes its file rows (the caller removes the bytes).
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, m.ID) })
	if got, _ := s.FilesOfMember(ctx, m.ID); len(got) != 0 {
		t.Errorf("files after member delete: %+v", got)
	}
	if got, _ := s.FilesOfMember(ctx, other.ID); len(got) != 1 {
		t.Errorf("other's files: %+v", got)
	}
}

func testDeleteMember(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	victim := newMember("victim@example.com", "")
	victim.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleMaker}}
	create(t, s, victim)
	other := create(t, s, newMember("other@example.com", ""))
	sess := createSession(t, s, victim.ID, t0)
	mustUpdate(t, s, func(tx auth.Tx) error {
		if err := tx.CreateCredential(ctx, auth.Credential{Hash: "acc", Kind: auth.CredAccess, SessionID: sess.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.GrantProxy(ctx, &auth.ProxyGrant{TargetID: other.ID, ActorID: victim.ID}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &auth.AuditEntry{ActorID: victim.ID, SubjectID: other.ID, Action: auth.AuditProxyStart})
	})
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, victim.ID) })
	_, err := s.MemberByID(ctx, victim.ID)
	wantCode(t, err, auth.ENOTFOUND)
	for q, want := range map[string]int{
		`SELECT count(*) FROM member_roles WHERE member_id = ?1`:                  0,
		`SELECT count(*) FROM sessions WHERE member_id = ?1`:                      0,
		`SELECT count(*) FROM credentials WHERE hash = 'acc'`:                     0,
		`SELECT count(*) FROM proxy_grants WHERE actor_id = ?1 OR target_id = ?1`: 0,
		`SELECT count(*) FROM audit_log WHERE actor_id = ?1`:                      1,
	} {
		var args []any // PostgreSQL refuses arguments a statement does not use
		if strings.Contains(q, "?") {
			args = append(args, victim.ID)
		}
		if n := count(t, s, q, args...); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if _, err := s.MemberByID(ctx, other.ID); err != nil {
		t.Errorf("other member: %v", err)
	}
	err = s.Update(ctx, func(tx auth.Tx) error { return tx.DeleteMember(ctx, victim.ID) })
	wantCode(t, err, auth.ENOTFOUND)
}
