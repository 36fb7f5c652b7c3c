package auth_test

import (
	"context"
	"encoding/base32"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// auditOf lists every entry naming the member (0: every entry), oldest
// first.
func auditOf(t *testing.T, e *authtest.Env, member int64) []auth.AuditEntry {
	t.Helper()
	got, err := e.Store.ListAudit(context.Background(), auth.AuditQuery{MemberID: member, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	return got
}

// wantEvent finds the newest entry with action and checks its subject,
// door and result.
func wantEvent(t *testing.T, es []auth.AuditEntry, action string, subject int64, door, result string) auth.AuditEntry {
	t.Helper()
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action {
			e := es[i]
			if e.SubjectID != subject || e.Door != door || e.Result != result {
				t.Errorf("%s = %+v; want subject %d, door %q, result %q", action, e, subject, door, result)
			}
			return e
		}
	}
	t.Errorf("no %s entry in %+v", action, es)
	return auth.AuditEntry{}
}

func TestAuditAuthenticationEvents(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ctx := context.Background()
	const pw = "correct horse battery staple"
	m := e.Member(t, "m@example.com", pw)
	page := auth.ClientMeta{IP: "192.0.2.10", UserAgent: "Firefox", Door: auth.ViaPage}
	wme := auth.ClientMeta{IP: "192.0.2.11", UserAgent: "curl", Door: auth.ViaWME}

	// Sign-in through the page, then through a dialect.
	_, sess, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaPage, Meta: page})
	if err != nil {
		t.Fatal(err)
	}
	in := wantEvent(t, auditOf(t, e, m.ID), auth.AuditSignIn, m.ID, auth.ViaPage, auth.ResultOK)
	if in.IP != page.IP || in.UserAgent != "Firefox" {
		t.Errorf("sign-in entry client = %q %q", in.IP, in.UserAgent)
	}
	if _, _, err := e.Svc.LoginTokens(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaWME, Meta: wme}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditSignIn, m.ID, auth.ViaWME, auth.ResultOK)

	// A wrong password of a known member, and a sign-in for nobody: the
	// entry of the unknown account has no subject and no trace of the
	// address tried.
	if _, _, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: "wrong", Meta: page}); !auth.ErrInvalidCredentials(err) {
		t.Fatalf("wrong password: %v", err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditSignInFailed, m.ID, auth.ViaPage, auth.ResultFailed)
	if _, _, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: "ghost@example.com", Password: "wrong", Meta: wme}); !auth.ErrInvalidCredentials(err) {
		t.Fatalf("unknown account: %v", err)
	}
	all := auditOf(t, e, 0)
	ghost := all[len(all)-1]
	if ghost.Action != auth.AuditSignInFailed || ghost.SubjectID != 0 || ghost.ActorID != 0 || ghost.Door != auth.ViaWME ||
		ghost.Result != auth.ResultFailed || ghost.IP != wme.IP {
		t.Errorf("unknown-account entry = %+v", ghost)
	}
	for _, a := range all {
		if strings.Contains(a.Detail+a.UserAgent, "ghost") {
			t.Errorf("entry %+v names the unknown address", a)
		}
	}

	// Sign-out of the page session.
	if err := e.Svc.Logout(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditSignOut, m.ID, auth.ViaPage, auth.ResultOK)

	// Ending another of one's own sessions.
	_, a, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Meta: page})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Meta: page})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.RevokeOwnSession(ctx, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditSessionEnded, m.ID, auth.ViaPage, auth.ResultOK)

	// Password change: the entry, and its mail from the one hook.
	if err := e.Svc.ChangePassword(ctx, auth.ChangePasswordInput{SessionID: a.ID, Current: pw, New: pw + " two", Meta: page}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditPasswordChange, m.ID, auth.ViaPage, auth.ResultOK)
	if ms := e.Mails(t); len(ms) == 0 || ms[0].Kind != auth.MailPasswordChanged || ms[0].To != m.Email {
		t.Errorf("mail after a password change: %+v", ms)
	}

	// Reset: requested (known member only), then used.
	if err := e.Svc.RequestReset(ctx, auth.ResetRequest{Identifier: m.Email, Door: auth.ViaOpenAPI, IP: "192.0.2.12"}); err != nil {
		t.Fatal(err)
	}
	before := len(auditOf(t, e, 0))
	if err := e.Svc.RequestReset(ctx, auth.ResetRequest{Identifier: "nobody@example.com", Door: auth.ViaOpenAPI, IP: "192.0.2.12"}); err != nil {
		t.Fatal(err)
	}
	ms := e.Mails(t)
	if n := len(auditOf(t, e, 0)) - before; n != 1 { // the known member's request only
		t.Errorf("%d entries after two requests, want 1", n)
	}
	req := wantEvent(t, auditOf(t, e, m.ID), auth.AuditResetRequested, m.ID, auth.ViaOpenAPI, auth.ResultOK)
	if req.IP != "192.0.2.12" {
		t.Errorf("reset request IP %q", req.IP)
	}
	link := ms[0].Data["link"]
	if ms[0].Kind != auth.MailReset || !strings.Contains(link, "token=") {
		t.Fatalf("reset mail %+v", ms[0])
	}
	if err := e.Svc.ResetPassword(ctx, link[strings.Index(link, "token=")+6:], pw+" three", page); err != nil {
		t.Fatal(err)
	}
	es := auditOf(t, e, m.ID)
	wantEvent(t, es, auth.AuditResetUsed, m.ID, auth.ViaPage, auth.ResultOK)
	if last := es[len(es)-1]; last.Action != auth.AuditPasswordChange || !strings.Contains(last.Detail, "reset") {
		t.Errorf("last entry after a reset = %+v", last)
	}
	// The reset ended the member's sessions ("sign out everywhere").
	if ended := wantEvent(t, es, auth.AuditSessionEnded, m.ID, auth.ViaPage, auth.ResultOK); !strings.Contains(ended.Detail, "password change") {
		t.Errorf("sessions ended by the reset: %+v", ended)
	}

	// A wrong second factor.
	key := []byte("12345678901234567890")
	if err := e.Store.Update(ctx, func(tx auth.Tx) error {
		return tx.SetMFA(ctx, m.ID, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key), true)
	}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw + " three", Meta: page})
	challenge := auth.AsError(err)
	if challenge == nil || challenge.Code != auth.EOTP {
		t.Fatalf("password step with two-factor: %v", err)
	}
	wrong := "000000"
	if auth.TOTPCode(key, e.Clock.Now().Unix()/30) == wrong {
		wrong = "111111"
	}
	if _, _, err := e.Svc.CompleteMFA(ctx, challenge.Challenge, wrong, page); code(err) != auth.EOTP {
		t.Fatalf("wrong code: %v", err)
	}
	wantEvent(t, auditOf(t, e, m.ID), auth.AuditMFAFailed, m.ID, auth.ViaPage, auth.ResultFailed)

	// Lockout: the failure that starts the backoff is recorded as such.
	for range 10 {
		e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: "wrong", Meta: wme})
	}
	lock := wantEvent(t, auditOf(t, e, m.ID), auth.AuditLockout, m.ID, auth.ViaWME, auth.ResultLocked)
	if lock.IP != wme.IP {
		t.Errorf("lockout IP %q", lock.IP)
	}
}
