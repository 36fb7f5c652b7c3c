package storetest

import (
	"context"
	"reflect"
	"testing"

	"gatehouse/internal/auth"
)

func testGroupsOfMember(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	if _, err := rawDB(s).Exec(`INSERT INTO "groups" (id, parent_id, name) VALUES
		(2, 1, 'Sales'), (3, 1, 'Support'), (4, 2, 'EMEA')`); err != nil {
		t.Fatal(err)
	}
	m := newMember("a@example.com", "")
	m.Roles = []auth.RoleGrant{
		{Group: 4, Role: auth.RoleMaker}, {Group: 4, Role: auth.RoleAdmin}, // two roles, one group
		{Group: auth.RootGroup, Role: auth.RoleOwner},
		{Group: 2, Role: auth.RoleMaker},
	}
	create(t, s, m)
	none := create(t, s, newMember("b@example.com", ""))
	got, err := s.GroupsOfMember(ctx, m.ID)
	want := []auth.Group{{ID: 1, ParentID: 0, Name: "Organisation"}, {ID: 2, ParentID: 1, Name: "Sales"},
		{ID: 4, ParentID: 2, Name: "EMEA"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("GroupsOfMember\n got %+v, %v\nwant %+v", got, err, want)
	}
	if got, err := s.GroupsOfMember(ctx, none.ID); err != nil || len(got) != 0 {
		t.Errorf("GroupsOfMember without roles = %+v, %v", got, err)
	}
}
