package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gatehouse/internal/auth"
)

func newMember(email, username string) *auth.Member {
	return &auth.Member{Email: email, Username: username, Name: "N", Status: auth.StatusActive,
		PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}
}

// create inserts m in its own transaction.
func create(t *testing.T, s Store, m *auth.Member) *auth.Member {
	t.Helper()
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.CreateMember(context.Background(), m) })
	return m
}

func testCreateMember(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	bio := "hello"
	m := newMember("  Test1@AAA.com", "")
	m.Bio = &bio
	m.EmailVerified = true
	m.FirstName, m.LastName, m.Mobile = "F", "L", "+1"
	m.PasswordChangedAt = t0
	m.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleOwner}, {Group: 1, Role: auth.RoleAdmin}, {Group: 1, Role: auth.RoleOwner}}
	create(t, s, m)
	if m.ID == 0 {
		t.Fatal("ID not set")
	}
	if m.Username != "test1@aaa.com" {
		t.Errorf("default username = %q, want the canonical email", m.Username)
	}
	got, err := s.MemberByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *m
	want.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleOwner}, {Group: 1, Role: auth.RoleAdmin}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored member\n got %+v\nwant %+v", got, want)
	}

	// Defaults: CreatedAt from the store's clock, NULL bio, zero PasswordChangedAt.
	m2 := &auth.Member{Email: "x@example.com", Username: " Bob.Smith ", Status: auth.StatusInvited}
	create(t, s, m2)
	got2, err := s.MemberByID(ctx, m2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got2.Username != "bob.smith" || got2.Bio != nil || !got2.PasswordChangedAt.IsZero() ||
		got2.CreatedAt.IsZero() || len(got2.Roles) != 0 || got2.Status != auth.StatusInvited {
		t.Errorf("defaults: %+v", got2)
	}
}

func testCreateMemberInvalid(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx auth.Tx) error {
		m := newMember("a@example.com", "")
		m.Status = "banned"
		return tx.CreateMember(ctx, m)
	})
	wantCode(t, err, auth.EINVALID)
	err = s.Update(ctx, func(tx auth.Tx) error {
		m := newMember("a@example.com", "")
		m.Roles = []auth.RoleGrant{{Group: 99, Role: auth.RoleMaker}}
		return tx.CreateMember(ctx, m)
	})
	if e := wantCode(t, err, auth.EINVALID); e.Fields["roles"] == "" {
		t.Errorf("Fields = %v, want roles", e.Fields)
	}
}

func testCreateMemberConflict(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	create(t, s, newMember("Test1@AAA.com", "alice"))
	for _, tc := range []struct{ email, username, field, msg string }{
		{"test1@aaa.COM", "bob", "email", "This email is already registered."},
		{"other@example.com", "ALICE", "username", "This username is taken."},
	} {
		err := s.Update(ctx, func(tx auth.Tx) error { return tx.CreateMember(ctx, newMember(tc.email, tc.username)) })
		e := wantCode(t, err, auth.ECONFLICT)
		if e.Fields[tc.field] != tc.msg || e.Message != tc.msg {
			t.Errorf("%s: error = %+v, want Fields[%q] = %q", tc.email, e, tc.field, tc.msg)
		}
	}
}

func testMemberByID(t *testing.T) {
	s := mustOpen(t)
	m := newMember("a@example.com", "")
	m.Roles = []auth.RoleGrant{{Group: auth.RootGroup, Role: auth.RoleMaker}}
	create(t, s, m)
	got, err := s.MemberByID(context.Background(), m.ID)
	if err != nil || got.Email != m.Email || !reflect.DeepEqual(got.Roles, m.Roles) {
		t.Errorf("MemberByID = %+v, %v", got, err)
	}
	_, err = s.MemberByID(context.Background(), m.ID+1)
	if e := wantCode(t, err, auth.ENOTFOUND); e.Message != "Member not found." {
		t.Errorf("message = %q", e.Message)
	}
}

func testMemberByLogin(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("Test1@AAA.com", "Bob.Smith"))
	for _, key := range []string{"test1@aaa.com", "bob.smith", auth.Canonical(" BOB.SMITH ")} {
		got, err := s.MemberByLogin(ctx, key)
		if err != nil || got.ID != m.ID {
			t.Errorf("MemberByLogin(%q) = %d, %v; want %d", key, got.ID, err, m.ID)
		}
		if got.Email != "Test1@AAA.com" {
			t.Errorf("email = %q, want it as entered", got.Email)
		}
	}
	_, err := s.MemberByLogin(ctx, "nobody")
	wantCode(t, err, auth.ENOTFOUND)

	// One member's username equal to another's email: the email wins.
	a := create(t, s, newMember("carol@example.com", "carol"))
	create(t, s, newMember("dave@example.com", "carol@example.com"))
	if got, err := s.MemberByLogin(ctx, "carol@example.com"); err != nil || got.ID != a.ID {
		t.Errorf("ambiguous login = %d, %v; want the email owner %d", got.ID, err, a.ID)
	}
}

func testListMembers(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	var ids []int64
	for i := range 5 {
		m := newMember(fmt.Sprintf("m%d@example.com", i), "")
		m.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleID(i%3 + 1)}}
		ids = append(ids, create(t, s, m).ID)
	}
	page, err := s.ListMembers(ctx, auth.MemberQuery{AfterID: ids[0], Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].ID != ids[1] || page[2].ID != ids[3] {
		t.Fatalf("page = %+v", page)
	}
	for i, m := range page {
		want := []auth.RoleGrant{{Group: 1, Role: auth.RoleID((i+1)%3 + 1)}}
		if !reflect.DeepEqual(m.Roles, want) {
			t.Errorf("member %d roles = %v, want %v", m.ID, m.Roles, want)
		}
	}
	all, err := s.ListMembers(ctx, auth.MemberQuery{})
	if err != nil || len(all) != 5 {
		t.Errorf("default query = %d members, %v", len(all), err)
	}
	none, err := s.ListMembers(ctx, auth.MemberQuery{AfterID: ids[4]})
	if err != nil || len(none) != 0 {
		t.Errorf("past the end = %v, %v", none, err)
	}
	// The default limit is 100.
	mustUpdate(t, s, func(tx auth.Tx) error {
		for i := range 101 {
			if err := tx.CreateMember(ctx, newMember(fmt.Sprintf("bulk%d@example.com", i), "")); err != nil {
				return err
			}
		}
		return nil
	})
	if got, err := s.ListMembers(ctx, auth.MemberQuery{}); err != nil || len(got) != 100 {
		t.Errorf("default limit: %d members, %v", len(got), err)
	}
}

func testUpdateMember(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := create(t, s, newMember("a@example.com", "alice"))
	create(t, s, newMember("b@example.com", "bob"))

	bio := "new bio"
	up := *m
	up.Email, up.Username, up.EmailVerified = "New@Example.com", "Alice2", true
	up.Name, up.FirstName, up.LastName, up.Bio, up.Mobile = "Al", "A", "L", &bio, "+44"
	up.Status = auth.StatusSuspended
	up.UpdatedAt = t0.Add(time.Hour)
	up.PasswordHash = "ignored"
	up.Roles = nil
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UpdateMember(ctx, up) })

	got, err := s.MemberByLogin(ctx, "new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := up
	want.Username = "alice2"
	want.PasswordHash = m.PasswordHash // left alone
	want.Roles = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("updated member\n got %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct{ email, username, field string }{
		{"B@example.com", "alice2", "email"},
		{"new@example.com", "BOB", "username"},
	} {
		c := want
		c.Email, c.Username = tc.email, tc.username
		err := s.Update(ctx, func(tx auth.Tx) error { return tx.UpdateMember(ctx, c) })
		if e := wantCode(t, err, auth.ECONFLICT); e.Fields[tc.field] == "" {
			t.Errorf("conflict Fields = %v, want %s", e.Fields, tc.field)
		}
	}
	missing := want
	missing.ID = 999
	missing.Email, missing.Username = "z@example.com", "z"
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.UpdateMember(ctx, missing) }), auth.ENOTFOUND)
}

func testSetPassword(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := newMember("a@example.com", "")
	m.Status = auth.StatusPasswordResetRequired
	create(t, s, m)
	at := t0.Add(time.Hour)
	mustUpdate(t, s, func(tx auth.Tx) error {
		return tx.SetPassword(ctx, m.ID, "new-hash", at, auth.StatusActive)
	})
	got, _ := s.MemberByID(ctx, m.ID)
	if got.PasswordHash != "new-hash" || !got.PasswordChangedAt.Equal(at) || got.Status != auth.StatusActive {
		t.Errorf("after SetPassword: %+v", got)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error {
		return tx.SetPassword(ctx, 999, "h", at, auth.StatusActive)
	}), auth.ENOTFOUND)
}

func testSetPasswordHash(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := newMember("a@example.com", "")
	m.PasswordChangedAt = t0
	create(t, s, m)
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetPasswordHash(ctx, m.ID, "rehashed") })
	got, _ := s.MemberByID(ctx, m.ID)
	if got.PasswordHash != "rehashed" || !got.PasswordChangedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Errorf("after SetPasswordHash: %+v", got)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetPasswordHash(ctx, 999, "h") }), auth.ENOTFOUND)
}

func testSetPreferences(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := newMember("a@example.com", "")
	create(t, s, m)
	if got, _ := s.MemberByID(ctx, m.ID); got.Language != "" || got.TimeZone != "" {
		t.Fatalf("a new member has preferences: %q %q", got.Language, got.TimeZone)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetPreferences(ctx, m.ID, "ja", "Asia/Tokyo") })
	got, _ := s.MemberByID(ctx, m.ID)
	if got.Language != "ja" || got.TimeZone != "Asia/Tokyo" || !got.UpdatedAt.Equal(m.UpdatedAt) {
		t.Errorf("after SetPreferences: %+v", got)
	}
	byLogin, _ := s.MemberByLogin(ctx, auth.Canonical("a@example.com"))
	if byLogin.Language != "ja" || byLogin.TimeZone != "Asia/Tokyo" {
		t.Errorf("MemberByLogin: %q %q", byLogin.Language, byLogin.TimeZone)
	}
	// A profile update leaves the preferences alone.
	got.Name = "Renamed"
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.UpdateMember(ctx, got) })
	if again, _ := s.MemberByID(ctx, m.ID); again.Language != "ja" || again.TimeZone != "Asia/Tokyo" {
		t.Errorf("after UpdateMember: %q %q", again.Language, again.TimeZone)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetPreferences(ctx, m.ID, "", "") })
	if cleared, _ := s.MemberByID(ctx, m.ID); cleared.Language != "" || cleared.TimeZone != "" {
		t.Errorf("cleared: %q %q", cleared.Language, cleared.TimeZone)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetPreferences(ctx, 999, "en", "") }), auth.ENOTFOUND)
}

func testSetRoles(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	m := newMember("a@example.com", "")
	m.Roles = []auth.RoleGrant{{Group: 1, Role: auth.RoleOwner}}
	create(t, s, m)
	want := []auth.RoleGrant{{Group: 1, Role: auth.RoleAdmin}, {Group: 1, Role: auth.RoleMaker}}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetRoles(ctx, m.ID, want) })
	got, _ := s.MemberByID(ctx, m.ID)
	if !reflect.DeepEqual(got.Roles, want) {
		t.Errorf("roles = %v, want %v", got.Roles, want)
	}
	mustUpdate(t, s, func(tx auth.Tx) error { return tx.SetRoles(ctx, m.ID, nil) })
	if got, _ := s.MemberByID(ctx, m.ID); len(got.Roles) != 0 {
		t.Errorf("roles after clearing = %v", got.Roles)
	}
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error {
		return tx.SetRoles(ctx, m.ID, []auth.RoleGrant{{Group: 1, Role: 42}})
	}), auth.EINVALID)
	wantCode(t, s.Update(ctx, func(tx auth.Tx) error { return tx.SetRoles(ctx, 999, want) }), auth.ENOTFOUND)
}
