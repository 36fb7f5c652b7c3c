package auth_test

import (
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

func strp(s string) *string { return &s }

func TestUpdateMe(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	m := e.Member(t, "ann@example.com", pw)
	e.Member(t, "bob@example.com", pw)
	tok := login(t, e, auth.ViaDirectus, "ann@example.com")
	other := login(t, e, auth.ViaDirectus, "ann@example.com")
	sid := tok.Session.ID

	got, err := e.Svc.UpdateMe(ctx, m.ID, sid, auth.MeUpdate{FirstName: strp(" Ann "), LastName: strp("Lee")})
	if err != nil || got.FirstName != "Ann" || got.LastName != "Lee" {
		t.Fatalf("names: %v %+v", err, got)
	}
	for _, c := range []struct {
		name  string
		u     auth.MeUpdate
		code  string
		field string
	}{
		{"bad email", auth.MeUpdate{Email: strp("not an email"), CurrentPassword: pw}, auth.EINVALID, "email"},
		{"email without current", auth.MeUpdate{Email: strp("ann2@example.com")}, auth.EINVALID, "current_password"},
		{"email wrong current", auth.MeUpdate{Email: strp("ann2@example.com"), CurrentPassword: "wrong one"}, auth.EINVALID, "current_password"},
		{"email taken", auth.MeUpdate{Email: strp("BOB@example.com"), CurrentPassword: pw}, auth.ECONFLICT, "email"},
		{"weak password", auth.MeUpdate{Password: strp("short"), CurrentPassword: pw}, auth.EINVALID, "password"},
		{"password without current", auth.MeUpdate{Password: strp("another good passphrase")}, auth.EINVALID, "current_password"},
		{"too long name with valid password", auth.MeUpdate{FirstName: strp(string(make([]byte, 101))), Password: strp("another good passphrase"), CurrentPassword: pw}, auth.EINVALID, "first_name"},
	} {
		_, err := e.Svc.UpdateMe(ctx, m.ID, sid, c.u)
		if code(err) != c.code || auth.ErrorFields(err)[c.field] == "" {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
	// nothing of the refused changes was written
	if _, _, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: "ann@example.com", Password: pw, Via: auth.ViaDirectus}); err != nil {
		t.Fatalf("password changed by a refused update: %v", err)
	}

	got, err = e.Svc.UpdateMe(ctx, m.ID, sid, auth.MeUpdate{Email: strp("Ann.New@example.com"), CurrentPassword: pw})
	if err != nil || got.Email != "Ann.New@example.com" || got.EmailVerified || got.Username != "ann.new@example.com" {
		t.Fatalf("email: %v %+v", err, got)
	}
	_, err = e.Svc.UpdateMe(ctx, m.ID, sid, auth.MeUpdate{Password: strp("another good passphrase"), CurrentPassword: pw})
	if err != nil {
		t.Fatal(err)
	}
	if !alive(e, tok.Access) || alive(e, other.Access) {
		t.Fatal("a password change keeps the session making it and ends the others")
	}
	if _, _, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: "ann.new@example.com", Password: "another good passphrase", Via: auth.ViaDirectus}); err != nil {
		t.Fatalf("login with the new email and password: %v", err)
	}
}
