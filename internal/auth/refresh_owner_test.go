package auth_test

import (
	"context"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// Refresh rotation reads the token's owner before its write (tokens.go);
// a member suspended or deleted between two rotations is still refused,
// because both end the member's sessions, which the write checks.
func TestRefreshRefusedAfterSuspensionOrDeletion(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ctx := context.Background()
	const pw = "correct horse battery staple"
	cli := auth.Actor{CLI: true}
	for _, end := range []struct {
		name string
		do   func(id int64) error
	}{
		{"suspended", func(id int64) error { return e.Svc.AdminSetStatus(ctx, cli, id, auth.StatusSuspended) }},
		{"deleted", func(id int64) error { return e.Svc.AdminDeleteMember(ctx, cli, id) }},
	} {
		m := e.Member(t, end.name+"@example.com", pw)
		_, tok, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaOpenAPI})
		if err != nil {
			t.Fatal(err)
		}
		// One rotation warms every read the next one makes.
		if _, tok, err = e.Svc.RefreshTokensAs(ctx, auth.ViaOpenAPI, tok.Refresh, ""); err != nil {
			t.Fatalf("%s: rotation before: %v", end.name, err)
		}
		if err := end.do(m.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.Svc.RefreshTokensAs(ctx, auth.ViaOpenAPI, tok.Refresh, ""); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
			t.Errorf("%s member's refresh: %v, want refused", end.name, err)
		}
	}
}
