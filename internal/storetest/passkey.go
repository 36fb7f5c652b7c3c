package storetest

import (
	"bytes"
	"context"
	"testing"

	"gatehouse/internal/auth"
)

// TestPasskeys: credential ids are unique, a passkey is found by its id and
// listed per member, use, rename and delete act only on the member's own,
// and passkeys go with their member.
func testPasskeys(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("pk@example.com", ""))
	other := create(t, s, newMember("other@example.com", ""))
	p := &auth.Passkey{MemberID: m.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("handle-1"), PublicKey: []byte{9, 9},
		AttestationType: "none", AAGUID: []byte{0xaa, 0xbb}, SignCount: 7, Transports: []string{"internal", "hybrid"},
		BackupEligible: true, BackupState: false, Name: "Laptop", CreatedAt: t0}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreatePasskey(ctx, p) })
	if p.ID == 0 {
		t.Fatal("ID not set")
	}
	got, err := s.PasskeyByCredentialID(ctx, []byte{1, 2, 3})
	if err != nil || got.ID != p.ID || got.MemberID != m.ID || !bytes.Equal(got.UserHandle, p.UserHandle) ||
		!bytes.Equal(got.PublicKey, p.PublicKey) || !bytes.Equal(got.AAGUID, p.AAGUID) || got.SignCount != 7 ||
		len(got.Transports) != 2 || got.Transports[1] != "hybrid" || !got.BackupEligible || got.BackupState ||
		got.Name != "Laptop" || !got.CreatedAt.Equal(t0) || got.LastUsedAt != nil || got.AttestationType != "none" {
		t.Fatalf("PasskeyByCredentialID = %+v, %v", got, err)
	}
	_, err = s.PasskeyByCredentialID(ctx, []byte{1, 2})
	wantCode(t, err, auth.ENOTFOUND)

	dup := &auth.Passkey{MemberID: other.ID, CredentialID: []byte{1, 2, 3}, UserHandle: []byte("h2"), PublicKey: []byte{1}, CreatedAt: t0}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.CreatePasskey(ctx, dup) }), auth.ECONFLICT)
	ghost := &auth.Passkey{MemberID: other.ID + 99, CredentialID: []byte{4}, UserHandle: []byte("h3"), PublicKey: []byte{1}, CreatedAt: t0}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.CreatePasskey(ctx, ghost) }), auth.ENOTFOUND)

	used := t0.Add(3600e9)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UsePasskey(ctx, p.ID, 4000000000, true, used) })
	got, _ = s.PasskeyByCredentialID(ctx, []byte{1, 2, 3})
	if got.SignCount != 4000000000 || !got.BackupState || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("after UsePasskey: %+v", got)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UsePasskey(ctx, p.ID+99, 1, false, used) }), auth.ENOTFOUND)

	// Another member can neither rename nor delete it.
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.RenamePasskey(ctx, other.ID, p.ID, "Mine") }), auth.ENOTFOUND)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.DeletePasskey(ctx, other.ID, p.ID) }), auth.ENOTFOUND)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.RenamePasskey(ctx, m.ID, p.ID, "Phone") })

	second := &auth.Passkey{MemberID: m.ID, CredentialID: []byte{5}, UserHandle: []byte("handle-1"), PublicKey: []byte{1}, CreatedAt: t0}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreatePasskey(ctx, second) })
	list, err := s.PasskeysOfMember(ctx, m.ID)
	if err != nil || len(list) != 2 || list[0].ID != p.ID || list[0].Name != "Phone" || list[1].ID != second.ID || len(list[1].Transports) != 0 {
		t.Fatalf("PasskeysOfMember = %+v, %v", list, err)
	}
	if list, _ := s.PasskeysOfMember(ctx, other.ID); len(list) != 0 {
		t.Fatalf("other member's passkeys: %+v", list)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeletePasskey(ctx, m.ID, second.ID) })
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.DeletePasskey(ctx, m.ID, second.ID) }), auth.ENOTFOUND)

	mustUpdate(t, s, func(tx auth.Tx) error { return tx.DeleteMember(ctx, m.ID) })
	if _, err := s.PasskeyByCredentialID(ctx, []byte{1, 2, 3}); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("passkey survived its member: %v", err)
	}
}
