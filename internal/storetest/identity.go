package storetest

import (
	"context"
	"testing"

	"gatehouse/internal/auth"
)

// TestIdentities: links are unique per (provider, subject), listed per
// member, refused for unknown members, and deleted with their member.
func testIdentities(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", ""))
	i := &auth.Identity{MemberID: m.ID, Provider: "idp", Subject: "s1", Email: "a@example.com", CreatedAt: t0}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateIdentity(ctx, i) })
	if i.ID == 0 {
		t.Fatal("ID not set")
	}
	got, err := s.IdentityOf(ctx, "idp", "s1")
	if err != nil || got != *i {
		t.Fatalf("IdentityOf = %+v, %v", got, err)
	}
	_, err = s.IdentityOf(ctx, "idp", "s2")
	wantCode(t, err, auth.ENOTFOUND)
	_, err = s.IdentityOf(ctx, "other", "s1")
	wantCode(t, err, auth.ENOTFOUND)

	dup := &auth.Identity{MemberID: m.ID, Provider: "idp", Subject: "s1"}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.CreateIdentity(ctx, dup) }), auth.ECONFLICT)
	ghost := &auth.Identity{MemberID: m.ID + 99, Provider: "idp", Subject: "s9"}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.CreateIdentity(ctx, ghost) }), auth.ENOTFOUND)

	second := &auth.Identity{MemberID: m.ID, Provider: "other", Subject: "s1", CreatedAt: t0}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateIdentity(ctx, second) })
	list, err := s.IdentitiesOfMember(ctx, m.ID)
	if err != nil || len(list) != 2 || list[0].ID != i.ID || list[1].ID != second.ID {
		t.Fatalf("IdentitiesOfMember = %+v, %v", list, err)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, m.ID) })
	if list, _ := s.IdentitiesOfMember(ctx, m.ID); len(list) != 0 {
		t.Fatalf("links survived their member: %+v", list)
	}
}
