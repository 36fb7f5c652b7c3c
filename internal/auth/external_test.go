package auth_test

import (
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

func extLogin(e *authtest.Env, acct auth.ExternalAccount, pol auth.ExternalPolicy, otp string) (auth.Member, []auth.Tokens, error) {
	return e.Svc.ExternalLoginTokens(ctx, acct, pol, otp, auth.LoginInput{Via: auth.ViaDirectus}, auth.TokenRequest{Policy: auth.ViaDirectus})
}

func memberCount(t *testing.T, e *authtest.Env) int {
	t.Helper()
	ms, err := e.Svc.ListMembers(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// TestExternalLogin: the creation and linking rules of social sign-in; a
// refusal writes nothing.
func TestExternalLogin(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw) // created by an admin: email verified
	if _, _, err := e.Svc.Register(ctx, auth.RegisterInput{Name: "Bob", Email: "bob@example.com", Password: pw, Via: auth.ViaPage}); err != nil {
		t.Fatal(err) // self-registered: email not verified
	}
	open := auth.ExternalPolicy{AllowRegistration: true}
	closed := auth.ExternalPolicy{}

	refusals := []struct {
		name string
		acct auth.ExternalAccount
		pol  auth.ExternalPolicy
		code string
	}{
		{"no subject", auth.ExternalAccount{Provider: "idp", Email: "x@example.com", EmailVerified: true}, open, auth.EINVALID},
		{"unverified at the provider", auth.ExternalAccount{Provider: "idp", Subject: "a1", Email: "ann@example.com"}, open, auth.EFORBIDDEN},
		{"unverified member", auth.ExternalAccount{Provider: "idp", Subject: "b1", Email: "bob@example.com", EmailVerified: true}, open, auth.EFORBIDDEN},
		{"registration closed", auth.ExternalAccount{Provider: "idp", Subject: "n1", Email: "new@example.com", EmailVerified: true}, closed, auth.EFORBIDDEN},
		{"new without a verified email", auth.ExternalAccount{Provider: "idp", Subject: "n2", Email: "new@example.com"}, open, auth.EFORBIDDEN},
	}
	before := memberCount(t, e)
	for _, c := range refusals {
		if _, _, err := extLogin(e, c.acct, c.pol, ""); auth.ErrorCode(err) != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if memberCount(t, e) != before {
		t.Fatal("a refused sign-in created a member")
	}
	if ids, _ := e.Svc.Identities(ctx, ann.ID); len(ids) != 0 {
		t.Fatalf("a refused sign-in linked an identity: %v", ids)
	}

	// Verified on both sides: linked to Ann, then found by the link even
	// with another email at the provider.
	m, sets, err := extLogin(e, auth.ExternalAccount{Provider: "idp", Subject: "a1", Email: "Ann@Example.com", EmailVerified: true}, closed, "")
	if err != nil || m.ID != ann.ID || sets[0].Access == "" || !alive(e, sets[0].Access) {
		t.Fatalf("link: %v %+v", err, m)
	}
	if m, _, err = extLogin(e, auth.ExternalAccount{Provider: "idp", Subject: "a1", Email: "other@example.com"}, closed, ""); err != nil || m.ID != ann.ID {
		t.Fatalf("linked sign-in: %v %+v", err, m)
	}
	// A new member when registration is open: verified email, split name,
	// no password.
	m, _, err = extLogin(e, auth.ExternalAccount{Provider: "idp", Subject: "n1", Email: "new@example.com", EmailVerified: true, Name: "Nia New"}, open, "")
	if err != nil || !m.EmailVerified || m.FirstName != "Nia" || m.LastName != "New" || m.PasswordHash != "" || !m.HasRole(auth.RoleMaker) {
		t.Fatalf("created: %v %+v", err, m)
	}
	if ids, _ := e.Svc.Identities(ctx, m.ID); len(ids) != 1 || ids[0].Subject != "n1" {
		t.Fatalf("identities of the new member: %v", ids)
	}
	if _, _, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: "new@example.com", Password: "", Via: auth.ViaDirectus}); err == nil {
		t.Fatal("a member without a password signed in with an empty one")
	}
}

// TestExternalLoginGates: two-factor authentication still applies, and a
// suspended member is refused.
func TestExternalLoginGates(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	acct := auth.ExternalAccount{Provider: "idp", Subject: "a1", Email: "ann@example.com", EmailVerified: true}
	_, own, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: ann.Email, Password: pw, Via: auth.ViaOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	gen, err := e.Svc.GenerateTOTP(ctx, own.Session.ID, pw, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := auth.DecodeSecret(gen.Secret)
	step := e.Clock.Now().Unix() / 30
	if err := e.Svc.EnableTOTP(ctx, own.Session.ID, gen.Secret, auth.TOTPCode(key, step-1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := extLogin(e, acct, auth.ExternalPolicy{}, ""); auth.ErrorCode(err) != auth.EOTP {
		t.Fatalf("MFA without otp: %v", err)
	}
	if ids, _ := e.Svc.Identities(ctx, ann.ID); len(ids) != 0 {
		t.Fatal("the refused sign-in linked the identity")
	}
	if _, _, err := extLogin(e, acct, auth.ExternalPolicy{}, auth.TOTPCode(key, step)); err != nil {
		t.Fatalf("MFA with otp: %v", err)
	}
	ann, _ = e.Svc.ResolveMember(ctx, "ann@example.com")
	ann.Status = auth.StatusSuspended
	if err := e.Store.Update(ctx, func(tx auth.Tx) error { return tx.UpdateMember(ctx, ann) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := extLogin(e, acct, auth.ExternalPolicy{}, ""); !auth.IsSuspended(err) {
		t.Fatalf("suspended: %v", err)
	}
}

// TestExternalLoginPages: the pages' sign-in opens a browser session; a
// member with two-factor authentication gets the OTP challenge, which
// CompleteMFA finishes, and nothing is linked before.
func TestExternalLoginPages(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	acct := auth.ExternalAccount{Provider: "idp", Subject: "a1", Email: "ann@example.com", EmailVerified: true}
	m, sess, err := e.Svc.ExternalLogin(ctx, acct, auth.ExternalPolicy{}, auth.ClientMeta{})
	if err != nil || m.ID != ann.ID || sess.ID == 0 || sess.Via != auth.ViaPage {
		t.Fatalf("sign-in: %v %+v %+v", err, m, sess)
	}
	gen, _ := e.Svc.GenerateTOTP(ctx, sess.ID, pw, auth.ClientMeta{})
	key, _ := auth.DecodeSecret(gen.Secret)
	step := e.Clock.Now().Unix() / 30
	if err := e.Svc.EnableTOTP(ctx, sess.ID, gen.Secret, auth.TOTPCode(key, step-1)); err != nil {
		t.Fatal(err)
	}
	other := auth.ExternalAccount{Provider: "other", Subject: "o1", Email: "ann@example.com", EmailVerified: true}
	_, _, err = e.Svc.ExternalLogin(ctx, other, auth.ExternalPolicy{}, auth.ClientMeta{})
	ae := auth.AsError(err)
	if ae == nil || ae.Code != auth.EOTP || ae.Challenge == "" {
		t.Fatalf("MFA member: %v", err)
	}
	if ids, _ := e.Svc.Identities(ctx, ann.ID); len(ids) != 1 {
		t.Fatalf("linked before the code: %v", ids)
	}
	if m, _, err := e.Svc.CompleteMFA(ctx, ae.Challenge, auth.TOTPCode(key, step), auth.ClientMeta{}); err != nil || m.ID != ann.ID {
		t.Fatalf("CompleteMFA: %v", err)
	}
}

// TestLinkUnlink: a signed-in member links and unlinks provider accounts;
// an account linked to someone else is refused; the last way to sign in
// cannot be unlinked.
func TestLinkUnlink(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ann := e.Member(t, "ann@example.com", pw)
	bob := e.Member(t, "bob@example.com", pw)
	session := func(m auth.Member) int64 {
		t.Helper()
		_, tok, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaOpenAPI})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Session.ID
	}
	annSess, bobSess := session(ann), session(bob)
	acct := auth.ExternalAccount{Provider: "idp", Subject: "s1", Email: "whatever@example.com"}
	if err := e.Svc.LinkIdentity(ctx, ann.ID, 0, acct); auth.ErrorCode(err) != auth.EUNAUTHORIZED {
		t.Fatalf("linking without a session: %v", err)
	}
	if err := e.Svc.LinkIdentity(ctx, ann.ID, annSess, acct); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.LinkIdentity(ctx, ann.ID, annSess, acct); err != nil {
		t.Fatalf("linking again: %v", err)
	}
	if err := e.Svc.LinkIdentity(ctx, bob.ID, bobSess, acct); auth.ErrorCode(err) != auth.ECONFLICT {
		t.Fatalf("someone else's account: %v", err)
	}
	ids, _ := e.Svc.Identities(ctx, ann.ID)
	if len(ids) != 1 {
		t.Fatalf("identities %v", ids)
	}
	if err := e.Svc.UnlinkIdentity(ctx, bob.ID, bobSess, ids[0].ID); auth.ErrorCode(err) != auth.ENOTFOUND {
		t.Fatalf("unlink another member's link: %v", err)
	}
	if err := e.Svc.UnlinkIdentity(ctx, ann.ID, annSess, ids[0].ID); err != nil {
		t.Fatalf("unlink with a password left: %v", err)
	}
	// A member created by a provider has no password: its only link stays.
	nia, niaTok, err := extLogin(e, auth.ExternalAccount{Provider: "idp", Subject: "n1", Email: "nia@example.com", EmailVerified: true}, auth.ExternalPolicy{AllowRegistration: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	niaSess := niaTok[0].Session.ID
	ids, _ = e.Svc.Identities(ctx, nia.ID)
	if err := e.Svc.UnlinkIdentity(ctx, nia.ID, niaSess, ids[0].ID); auth.ErrorCode(err) != auth.EFORBIDDEN {
		t.Fatalf("the last way to sign in: %v", err)
	}
	if err := e.Svc.LinkIdentity(ctx, nia.ID, niaSess, auth.ExternalAccount{Provider: "other", Subject: "o1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.UnlinkIdentity(ctx, nia.ID, niaSess, ids[0].ID); err != nil {
		t.Fatalf("with another link left: %v", err)
	}
}
