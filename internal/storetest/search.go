package storetest

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

// walk pages through f with the given page size and returns the ids in the
// order seen, failing on errors and on runaway paging.
func walk(t *testing.T, s Store, f auth.MemberFilter) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%+v: paging does not end", f)
		}
		page, err := s.SearchMembers(context.Background(), f)
		if err != nil {
			t.Fatalf("SearchMembers(%+v): %v", f, err)
		}
		if f.Limit > 0 && len(page.Members) > f.Limit {
			t.Fatalf("page of %d members, limit %d", len(page.Members), f.Limit)
		}
		for _, m := range page.Members {
			ids = append(ids, m.ID)
		}
		if page.Next == "" {
			return ids
		}
		if len(page.Members) == 0 {
			t.Fatalf("%+v: empty page with a next cursor", f)
		}
		f.After = page.Next
	}
}

func testSearchMembersPagingEveryOrder(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	// Names and creation times repeat (ties), in mixed case.
	names := []string{"alice", "Bob", "ALICE", "carol", "bob", "Dave", "", "Alice"}
	var all []auth.Member
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range 23 {
			m := newMember(fmt.Sprintf("%c%02d@example.com", 'z'-i%5, i), fmt.Sprintf("u%02d", i))
			m.Name = names[i%len(names)]
			m.CreatedAt = t0.Add(time.Duration(i%4) * time.Minute)
			m.UpdatedAt = m.CreatedAt
			m.Roles = []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleID(i%3 + 1)}}
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
			all = append(all, *m)
		}
		return nil
	})
	key := map[string]func(m auth.Member) string{
		auth.SortID:      func(m auth.Member) string { return "" },
		auth.SortEmail:   func(m auth.Member) string { return auth.Canonical(m.Email) },
		auth.SortName:    func(m auth.Member) string { return strings.ToLower(m.Name) },
		auth.SortCreated: func(m auth.Member) string { return fmt.Sprint(m.CreatedAt.UnixMilli()) },
	}
	for _, sortKey := range []string{"", auth.SortID, auth.SortEmail, auth.SortName, auth.SortCreated} {
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{1, 4, 5, 23, 0} {
				want := append([]auth.Member(nil), all...)
				k := key[sortKey]
				if k == nil {
					k = key[auth.SortID]
				}
				sort.SliceStable(want, func(i, j int) bool {
					a, b := want[i], want[j]
					if desc {
						a, b = b, a
					}
					if ka, kb := k(a), k(b); ka != kb {
						return ka < kb
					}
					return a.ID < b.ID
				})
				var wantIDs []int64
				for _, m := range want {
					wantIDs = append(wantIDs, m.ID)
				}
				got := walk(t, s, auth.MemberFilter{Sort: sortKey, Desc: desc, Limit: limit})
				if !reflect.DeepEqual(got, wantIDs) {
					t.Errorf("sort %q desc %v limit %d:\n got %v\nwant %v", sortKey, desc, limit, got, wantIDs)
				}
			}
		}
	}

	// A page carries the members whole, roles included.
	page, err := s.SearchMembers(ctx, auth.MemberFilter{Sort: auth.SortName, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Members {
		byID, err := s.MemberByID(ctx, m.ID)
		if err != nil || !reflect.DeepEqual(m, byID) {
			t.Errorf("page member\n got %+v\nwant %+v, %v", m, byID, err)
		}
	}
}

func testSearchMembersLimits(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range 205 {
			if err := tx.CreateMember(ctx, newMember(fmt.Sprintf("m%03d@example.com", i), "")); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {200, 200}, {201, 200}, {10000, 200}} {
		page, err := s.SearchMembers(ctx, auth.MemberFilter{Limit: c.limit})
		if err != nil || len(page.Members) != c.want || page.Next == "" {
			t.Errorf("Limit %d: %d members, next %q, %v; want %d", c.limit, len(page.Members), page.Next, err, c.want)
		}
	}
	// Exactly one full page left: no next cursor.
	page, _ := s.SearchMembers(ctx, auth.MemberFilter{Limit: 200})
	last, err := s.SearchMembers(ctx, auth.MemberFilter{Limit: 5, After: page.Next})
	if err != nil || len(last.Members) != 5 || last.Next != "" {
		t.Errorf("last page: %d members, next %q, %v", len(last.Members), last.Next, err)
	}
}

func testSearchMembersFilters(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	if _, err := rawDB(s).Exec(`INSERT INTO "groups" (id, parent_id, name) VALUES (2, 1, 'Sales')`); err != nil {
		t.Fatal(err)
	}
	type spec struct {
		email, username, name string
		status                auth.Status
		roles                 []auth.RoleGrant
	}
	specs := []spec{
		{"Ann.Smith@Example.com", "ann", "Ann Smith", auth.StatusActive, []auth.RoleGrant{{Group: 1, Role: auth.RoleOwner}}},
		{"bob@example.com", "bobby", "Bob Annwell", auth.StatusSuspended, []auth.RoleGrant{{Group: 2, Role: auth.RoleMaker}}},
		{"carol@annex.org", "carol", "Carol", auth.StatusActive, []auth.RoleGrant{{Group: 2, Role: auth.RoleAdmin}, {Group: 1, Role: auth.RoleMaker}}},
		{"dave@example.com", "annika", "Dave", auth.StatusInvited, nil},
		{"erin@example.com", "erin", "ERIN JOHANNSEN", auth.StatusActive, []auth.RoleGrant{{Group: 1, Role: auth.RoleMaker}}},
	}
	ids := map[string]int64{}
	mustUpdate(t, s, func(tx auth.Tx) error {
		for _, sp := range specs {
			m := newMember(sp.email, sp.username)
			m.Name, m.Status, m.Roles = sp.name, sp.status, sp.roles
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
			ids[sp.username] = m.ID
		}
		return nil
	})
	for _, c := range []struct {
		f    auth.MemberFilter
		want []string
	}{
		{auth.MemberFilter{}, []string{"ann", "bobby", "carol", "annika", "erin"}},
		{auth.MemberFilter{Status: auth.StatusActive}, []string{"ann", "carol", "erin"}},
		{auth.MemberFilter{Status: auth.StatusSuspended}, []string{"bobby"}},
		{auth.MemberFilter{Role: auth.RoleMaker}, []string{"bobby", "carol", "erin"}},
		{auth.MemberFilter{Role: auth.RoleOwner}, []string{"ann"}},
		{auth.MemberFilter{Group: 2}, []string{"bobby", "carol"}},
		{auth.MemberFilter{Group: 2, Role: auth.RoleMaker}, []string{"bobby"}}, // the role in that group
		{auth.MemberFilter{Group: 1, Role: auth.RoleAdmin}, nil},
		{auth.MemberFilter{Role: auth.RoleMaker, Status: auth.StatusActive}, []string{"carol", "erin"}},
		// Query: email or username prefix, name substring, any case.
		{auth.MemberFilter{Query: "ann"}, []string{"ann", "bobby", "annika", "erin"}},
		{auth.MemberFilter{Query: "  ANN.s "}, []string{"ann"}},
		{auth.MemberFilter{Query: "annex"}, nil}, // inside the email, not a prefix
		{auth.MemberFilter{Query: "CAROL@"}, []string{"carol"}},
		{auth.MemberFilter{Query: "johan"}, []string{"erin"}},
		{auth.MemberFilter{Query: "bob"}, []string{"bobby"}},
		{auth.MemberFilter{Query: "ann", Status: auth.StatusActive, Sort: auth.SortName, Desc: true}, []string{"erin", "ann"}},
		{auth.MemberFilter{Query: "ann", Role: auth.RoleMaker, Sort: auth.SortEmail}, []string{"bobby", "erin"}},
		{auth.MemberFilter{Query: "nobody"}, nil},
	} {
		var want []int64
		for _, u := range c.want {
			want = append(want, ids[u])
		}
		got := walk(t, s, c.f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v:\n got %v\nwant %v (%v)", c.f, got, want, c.want)
		}
		c.f.Limit = 1
		if got := walk(t, s, c.f); !reflect.DeepEqual(got, want) {
			t.Errorf("%+v, one per page:\n got %v\nwant %v", c.f, got, want)
		}
	}
	_, err := s.SearchMembers(ctx, auth.MemberFilter{Status: "banned"})
	wantCode(t, err, auth.EINVALID)
	_, err = s.SearchMembers(ctx, auth.MemberFilter{Sort: "password"})
	wantCode(t, err, auth.EINVALID)
}

// TestSearchMembersBroad covers the plans for queries and roles matching
// thousands of members (a predicate checked along the order's index) and
// compares them with the few-match plans.
func testSearchMembersBroad(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	const n = 2300
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range n {
			m := newMember(fmt.Sprintf("bulk%04d@example.com", i), "")
			m.Name = fmt.Sprintf("Name %d", n-i)
			if i%10 != 0 { // 2,070 Makers: more than the probe counts
				m.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleMaker}}
			}
			if i%500 == 1 {
				m.Roles = append(m.Roles, auth.RoleGrant{Group: 1, Role: auth.RoleOwner})
			}
			if i%3 == 0 {
				m.Status = auth.StatusSuspended
			}
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	all := walk(t, s, auth.MemberFilter{Limit: 200})
	if len(all) != n {
		t.Fatalf("%d members", len(all))
	}
	// member i has id all[i]
	for _, c := range []struct {
		f    auth.MemberFilter
		keep func(i int) bool
	}{
		{auth.MemberFilter{Query: "bulk"}, func(int) bool { return true }},
		{auth.MemberFilter{Query: "bulk1"}, func(i int) bool { return i >= 1000 && i < 2000 }},
		{auth.MemberFilter{Query: "bulk", Role: auth.RoleMaker}, func(i int) bool { return i%10 != 0 }},
		{auth.MemberFilter{Query: "bulk1", Role: auth.RoleOwner}, func(i int) bool { return i%500 == 1 && i >= 1000 && i < 2000 }},
		{auth.MemberFilter{Query: "name 1", Role: auth.RoleMaker, Status: auth.StatusSuspended},
			func(i int) bool { return i%10 != 0 && i%3 == 0 && strings.HasPrefix(fmt.Sprint(n-i), "1") }},
		{auth.MemberFilter{Role: auth.RoleMaker, Group: 1, Status: auth.StatusActive}, func(i int) bool { return i%10 != 0 && i%3 != 0 }},
	} {
		for _, desc := range []bool{false, true} {
			var want []int64
			for i, id := range all {
				if c.keep(i) {
					want = append(want, id)
				}
			}
			if desc {
				for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
					want[i], want[j] = want[j], want[i]
				}
			}
			f := c.f
			f.Desc, f.Limit = desc, 97
			if got := walk(t, s, f); !reflect.DeepEqual(got, want) {
				t.Errorf("%+v: got %d members, want %d", f, len(got), len(want))
			}
			// By name: the names count down, so the order of "Name N" is
			// lexical on N; compare as sets.
			f.Sort = auth.SortName
			got := walk(t, s, f)
			if len(got) != len(want) || !sameSet(got, want) {
				t.Errorf("%+v: got %d members, want %d", f, len(got), len(want))
			}
		}
	}
}

func sameSet(a, b []int64) bool {
	seen := map[int64]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, v := range seen {
		if v != 0 {
			return false
		}
	}
	return true
}

func testSearchMembersCursorTampering(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range 5 {
			if err := tx.CreateMember(ctx, newMember(fmt.Sprintf("m%d@example.com", i), "")); err != nil {
				return err
			}
		}
		return nil
	})
	page, err := s.SearchMembers(ctx, auth.MemberFilter{Sort: auth.SortEmail, Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(page.Next)
	if err != nil {
		t.Fatalf("cursor is not base64url: %v", err)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		name string
		f    auth.MemberFilter
	}{
		{"not base64", auth.MemberFilter{Sort: auth.SortEmail, After: "!!!"}},
		{"padded", auth.MemberFilter{Sort: auth.SortEmail, After: page.Next + "="}},
		{"garbage", auth.MemberFilter{Sort: auth.SortEmail, After: enc("hello")}},
		{"truncated", auth.MemberFilter{Sort: auth.SortEmail, After: enc(string(raw[:8]))}},
		{"other sort", auth.MemberFilter{Sort: auth.SortName, After: page.Next}},
		{"other sort (id)", auth.MemberFilter{After: page.Next}},
		{"other direction", auth.MemberFilter{Sort: auth.SortEmail, Desc: true, After: page.Next}},
		{"bad id", auth.MemberFilter{Sort: auth.SortEmail, After: enc(strings.Replace(string(raw), "|2|", "|x|", 1))}},
		{"zero id", auth.MemberFilter{Sort: auth.SortEmail, After: enc("c1|email|a|0|m1@example.com")}},
		{"bad version", auth.MemberFilter{Sort: auth.SortEmail, After: enc("c9|email|a|2|m1@example.com")}},
		{"bad created", auth.MemberFilter{Sort: auth.SortCreated, After: enc("c1|created|a|2|soon")}},
		{"value on id", auth.MemberFilter{After: enc("c1|id|a|2|x")}},
	} {
		_, err := s.SearchMembers(ctx, c.f)
		if e := auth.AsError(err); e == nil || e.Code != auth.EINVALID {
			t.Errorf("%s: error = %v, want EINVALID", c.name, err)
		}
	}
	// A hand-made but well-formed cursor is just a position.
	got, err := s.SearchMembers(ctx, auth.MemberFilter{Sort: auth.SortEmail, After: enc("c1|email|a|3|m2@example.com")})
	if err != nil || len(got.Members) != 2 || got.Members[0].Email != "m3@example.com" {
		t.Errorf("hand-made cursor: %+v, %v", got, err)
	}
}

func testCountMembersWithRole(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	if _, err := rawDB(s).Exec(`INSERT INTO "groups" (id, parent_id, name) VALUES (2, 1, 'Sales')`); err != nil {
		t.Fatal(err)
	}
	for i, roles := range [][]auth.RoleGrant{
		{{Group: 1, Role: auth.RoleOwner}, {Group: 2, Role: auth.RoleOwner}},
		{{Group: 1, Role: auth.RoleOwner}, {Group: 1, Role: auth.RoleAdmin}},
		{{Group: 2, Role: auth.RoleMaker}},
	} {
		m := newMember(fmt.Sprintf("m%d@example.com", i), "")
		m.Roles = roles
		create(t, s, m)
	}
	for _, c := range []struct {
		role  auth.RoleID
		group int64
		want  int
	}{{auth.RoleOwner, 1, 2}, {auth.RoleOwner, 2, 1}, {auth.RoleAdmin, 1, 1}, {auth.RoleAdmin, 2, 0}, {auth.RoleMaker, 2, 1}, {auth.RoleMaker, 9, 0}} {
		if n, err := s.CountMembersWithRole(ctx, c.role, c.group); err != nil || n != c.want {
			t.Errorf("CountMembersWithRole(%d, %d) = %d, %v; want %d", c.role, c.group, n, err, c.want)
		}
	}
}
