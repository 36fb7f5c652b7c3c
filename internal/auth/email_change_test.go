package auth_test

import (
	"context"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
)

// A member's own email change (the dialects' "update me") is an
// email.changed entry at its door, and both the new and the old address
// are told: the old one is where the owner of a taken-over account still
// reads mail.
func TestOwnEmailChangeIsAuditedAndMailedToBothAddresses(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	ctx := context.Background()
	const pw = "correct horse battery staple"
	m := e.Member(t, "old@example.com", pw)
	meta := auth.ClientMeta{IP: "192.0.2.20", UserAgent: "curl", Door: auth.ViaDirectus}
	_, sess, err := e.Svc.Login(ctx, auth.LoginInput{Identifier: m.Email, Password: pw, Via: auth.ViaDirectus, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	e.Mails(t) // none but what sign-in queued
	email := "new@example.com"
	if _, err := e.Svc.UpdateMe(ctx, m.ID, sess.ID, auth.MeUpdate{Email: &email, CurrentPassword: pw, Meta: meta}); err != nil {
		t.Fatal(err)
	}
	entry := wantEvent(t, auditOf(t, e, m.ID), auth.AuditEmailChange, m.ID, auth.ViaDirectus, auth.ResultOK)
	if !strings.Contains(entry.Detail, "old@example.com") || !strings.Contains(entry.Detail, "new@example.com") || entry.IP != meta.IP {
		t.Errorf("entry %+v", entry)
	}
	told := map[string]bool{}
	for _, ml := range e.Mails(t) {
		if ml.Kind == auth.MailSecurityNotice && ml.Data["event"] == auth.AuditEmailChange {
			told[ml.To] = true
		}
	}
	if !told["old@example.com"] || !told["new@example.com"] || len(told) != 2 {
		t.Errorf("notices to %v, want the old and the new address", told)
	}
}
