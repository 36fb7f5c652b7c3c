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

// Every security event names a key of the English catalog, and a Japanese
// recipient's notice is Japanese from subject to button.
func TestSecurityNoticeInJapanese(t *testing.T) {
	r, err := Render(auth.MailSecurityNotice, map[string]string{"name": "花子", "link": "https://auth.example.test/account/activity",
		"event": auth.AuditMFAEnabled, "when": "2026-12-03 16:00 JST", "lang": "ja"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Gatehouse アカウントのセキュリティに関するお知らせ" {
		t.Fatalf("subject %q", r.Subject)
	}
	for _, part := range []string{r.Text, r.HTML} {
		for _, want := range []string{"花子 様", "二段階認証が有効になりました", "2026-12-03 16:00 JST", "セキュリティ履歴"} {
			if !strings.Contains(part, want) {
				t.Fatalf("part lacks %q:\n%s", want, part)
			}
		}
	}
	if !strings.Contains(r.HTML, `<html lang="ja"`) {
		t.Fatal("HTML part not marked Japanese")
	}
	// An unknown language is English.
	r, err = Render(auth.MailWelcome, map[string]string{"link": "https://x.test/account", "lang": "xx"})
	if err != nil || r.Subject != "Welcome to Gatehouse" || !strings.Contains(r.HTML, `<html lang="en"`) {
		t.Fatalf("unknown language: %v %q", err, r.Subject)
	}
}

func TestSecurityEventKeysExist(t *testing.T) {
	for action, key := range securityEvents {
		for _, lang := range auth.Languages {
			if s := securityEvent(props{Lang: lang}, action); s == "" || s == key {
				t.Errorf("%s in %s: %q", action, lang, s)
			}
		}
	}
}
