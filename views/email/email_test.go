package email_test

import (
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/views/email"
)

const link = "https://auth.example.com/reset?token=abc123&x=1"

func data(kv ...string) map[string]string {
	d := map[string]string{"name": "Alice", "link": link, "expires_minutes": "30"}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return d
}

func TestRenderKinds(t *testing.T) {
	tests := []struct {
		kind, subject string
		want          []string // in both parts
	}{
		{auth.MailReset, "Reset your Gatehouse password", []string{"works once", "30 minutes", "ignore this email"}},
		{auth.MailPasswordChanged, "Your Gatehouse password was changed", []string{"this wasn", "reset your password now"}},
		{auth.MailWelcome, "Welcome to Gatehouse", []string{"Welcome to Gatehouse"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			r, err := email.Render(tt.kind, data())
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", r.Subject, tt.subject)
			}
			if !strings.Contains(r.Text, "\n"+link+"\n") {
				t.Errorf("text part lacks the link on its own line:\n%s", r.Text)
			}
			escaped := strings.ReplaceAll(link, "&", "&amp;")
			if !strings.Contains(r.HTML, `href="`+escaped+`"`) {
				t.Errorf("html part lacks the clickable link:\n%s", r.HTML)
			}
			if !strings.Contains(r.HTML, ">"+escaped+"<") {
				t.Errorf("html part lacks the link as text:\n%s", r.HTML)
			}
			if !strings.Contains(r.Text, "Hi Alice,") || !strings.Contains(r.HTML, "Hi Alice,") {
				t.Errorf("greeting missing")
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(r.Text), strings.ToLower(w)) {
					t.Errorf("text part lacks %q", w)
				}
				if !strings.Contains(strings.ToLower(r.HTML), strings.ToLower(w)) {
					t.Errorf("html part lacks %q", w)
				}
			}
		})
	}
}

func TestRenderEscapesName(t *testing.T) {
	for _, kind := range []string{auth.MailReset, auth.MailPasswordChanged, auth.MailWelcome} {
		r, err := email.Render(kind, data("name", "<script>alert(1)</script>", "product", `Acme "<b>"`))
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"<script", "<b>"} {
			if strings.Contains(r.HTML, raw) {
				t.Errorf("%s: html contains raw %q", kind, raw)
			}
		}
		if !strings.Contains(r.HTML, "&lt;script&gt;") {
			t.Errorf("%s: escaped name missing", kind)
		}
	}
}

func TestRenderDefaultsAndCleaning(t *testing.T) {
	r, err := email.Render(auth.MailWelcome, map[string]string{"link": link, "name": "Eve\r\nBcc: x@y.z"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Welcome to Gatehouse" {
		t.Errorf("default product: subject = %q", r.Subject)
	}
	if !strings.Contains(r.Text, "Hi Eve Bcc: x@y.z,") {
		t.Errorf("control characters in name not collapsed:\n%s", r.Text)
	}
	r, err = email.Render(auth.MailWelcome, map[string]string{"link": link, "product": "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Welcome to Acme" || !strings.HasPrefix(r.Text, "Hello,\n") {
		t.Errorf("product/empty name: subject %q text %q", r.Subject, r.Text)
	}
}

func TestRenderUnsafeLinkIsTextOnly(t *testing.T) {
	bad := "javascript:alert(1)"
	r, err := email.Render(auth.MailWelcome, data("link", bad))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "href=") {
		t.Errorf("non-http link made clickable:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, bad) {
		t.Errorf("link not shown as text")
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		kind string
		data map[string]string
	}{
		{"unknown kind", "nope", data()},
		{"missing link", auth.MailWelcome, data("link", "")},
		{"link with newline", auth.MailWelcome, data("link", "https://a.example/\r\nx")},
		{"reset without expiry", auth.MailReset, data("expires_minutes", "")},
		{"reset with bad expiry", auth.MailReset, data("expires_minutes", "-5")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := email.Render(tt.kind, tt.data); err == nil {
				t.Error("want error")
			}
		})
	}
}

// TestRenderFlowMails covers the mails of the dialect flows: the kuroco
// temporary password, wme's code, invitations and the register notice.
func TestRenderFlowMails(t *testing.T) {
	for _, tc := range []struct {
		kind    string
		data    map[string]string
		subject string
		want    []string
	}{
		{auth.MailReset, data("temp_password", "Tmp4xYz9Abcd"), "Reset your Gatehouse password", []string{"Tmp4xYz9Abcd"}},
		{auth.MailResetCode, data("code", "6MadrbRF"), "Your Gatehouse confirmation code", []string{"6MadrbRF", "30 minutes"}},
		{auth.MailInvite, data(), "You're invited to Gatehouse", []string{"create one", link}},
		{auth.MailAdminInvite, data(), "Your Gatehouse account is ready", []string{"administrator created", link}},
		{auth.MailRegisterAttempt, data(), "Someone tried to create a Gatehouse account with your address", []string{"no second account", link}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			r, err := email.Render(tc.kind, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tc.subject {
				t.Errorf("subject %q, want %q", r.Subject, tc.subject)
			}
			for _, w := range tc.want {
				w = strings.ToLower(w)
				if !strings.Contains(strings.ToLower(r.Text), w) || !strings.Contains(strings.ToLower(strings.ReplaceAll(r.HTML, "&amp;", "&")), w) {
					t.Errorf("%q missing from a part:\ntext: %s\nhtml: %s", w, r.Text, r.HTML)
				}
			}
		})
	}
}
