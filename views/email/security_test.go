package email

import (
	"strings"
	"testing"

	"gatehouse/internal/auth"
)

func TestRenderSecurityNotice(t *testing.T) {
	data := map[string]string{"name": "Bea", "link": "https://auth.example.test/account/activity",
		"event": auth.AuditProxyStart, "detail": "Ann <ann@example.com> signed in as Bea\r\nBcc: x. Reason: <b>ticket</b>",
		"when": "2026-12-03 07:00 UTC"}
	r, err := Render(auth.MailSecurityNotice, data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Security notice for your Gatehouse account" {
		t.Errorf("subject %q", r.Subject)
	}
	for _, part := range []string{r.Text, r.HTML} {
		if !strings.Contains(part, "Someone started a proxy session") || !strings.Contains(part, "2026-12-03 07:00 UTC") ||
			!strings.Contains(part, "https://auth.example.test/account/activity") {
			t.Errorf("part lacks the event, time or link:\n%s", part)
		}
	}
	if strings.Contains(r.Text, "\r\nBcc") || strings.Contains(r.HTML, "<b>ticket</b>") {
		t.Error("detail not cleaned or not escaped")
	}
	for _, ev := range []string{auth.AuditEmailChange, auth.AuditMFAEnabled, auth.AuditMFADisabled, auth.AuditPasskeyAdded, auth.AuditPasskeyRemoved} {
		data["event"] = ev
		if _, err := Render(auth.MailSecurityNotice, data); err != nil {
			t.Errorf("%s: %v", ev, err)
		}
	}
	data["event"] = "member.update"
	if _, err := Render(auth.MailSecurityNotice, data); err == nil {
		t.Error("an event that is not mailed rendered")
	}
}
