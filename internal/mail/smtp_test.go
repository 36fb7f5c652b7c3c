package mail_test

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/mail"
	"gatehouse/internal/outbox"
	"gatehouse/internal/smtptest"
)

const from = "Gatehouse <no-reply@gatehouse.test>"

func message(to string) outbox.Message {
	return outbox.Message{
		To:      to,
		Subject: "Reset your Gatehouse password",
		Text:    "Open this link:\n\nhttps://auth.example.com/reset?token=" + strings.Repeat("x", 90) + "&a=1\n",
		HTML:    `<p><a href="https://auth.example.com/reset?token=` + strings.Repeat("x", 90) + `&amp;a=1">Reset</a></p>`,
	}
}

func sendTo(t *testing.T, url string, m outbox.Message) error {
	t.Helper()
	s, err := mail.NewSMTP(url, from)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestSendDelivers(t *testing.T) {
	srv := smtptest.Start(t)
	if err := sendTo(t, srv.URL(), message("Alice <alice@example.com>")); err != nil {
		t.Fatal(err)
	}
	msg := srv.WaitFor(t, 1, 5*time.Second)[0]
	if msg.From != "no-reply@gatehouse.test" || len(msg.To) != 1 || msg.To[0] != "alice@example.com" {
		t.Errorf("envelope from %q to %v", msg.From, msg.To)
	}
	parsed, err := netmail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if subject != "Reset your Gatehouse password" {
		t.Errorf("subject %q", subject)
	}
	if to := parsed.Header.Get("To"); !strings.Contains(to, "<alice@example.com>") {
		t.Errorf("To header %q", to)
	}
	if ct := parsed.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type %q, want multipart/alternative", ct)
	}
	text, html := smtptest.Bodies(msg)
	want := "https://auth.example.com/reset?token=" + strings.Repeat("x", 90) + "&a=1"
	if !strings.Contains(text, want) {
		t.Errorf("text part lacks the (unwrapped) link:\n%s", text)
	}
	if !strings.Contains(html, "<a href=") {
		t.Errorf("html part missing:\n%s", html)
	}
	if got := smtptest.LinkIn(msg, "https://auth.example.com/"); got != want {
		t.Errorf("LinkIn = %q, want %q", got, want)
	}
}

func TestSendRefusesInjection(t *testing.T) {
	srv := smtptest.Start(t)
	bad := []outbox.Message{
		message("victim@x.com\r\nBcc: evil@x.com"),
		message("victim@x.com\nBcc: evil@x.com"),
		message("victim@x.com, evil@x.com"),
		message("not an address"),
		{To: "victim@x.com", Subject: "Hi\r\nBcc: evil@x.com", Text: "x"},
	}
	for _, m := range bad {
		err := sendTo(t, srv.URL(), m)
		if err == nil {
			t.Errorf("To %q Subject %q: accepted", m.To, m.Subject)
			continue
		}
		if !outbox.IsPermanent(err) {
			t.Errorf("To %q: error %v is not permanent", m.To, err)
		}
	}
	if r := srv.Rcpts(); len(r) != 0 {
		t.Errorf("server saw RCPT %v", r)
	}
}

func TestSendNeverSendsCredentialsInClear(t *testing.T) {
	// The test server offers only PLAIN and no TLS: go-mail must refuse to
	// authenticate rather than send the password unencrypted.
	srv := smtptest.Start(t)
	err := sendTo(t, "smtp://user:pass@"+srv.Addr(), message("a@example.com"))
	if err == nil {
		t.Error("sent with PLAIN auth over an unencrypted connection")
	}
	t.Log(err)
	if len(srv.Messages()) != 0 {
		t.Error("message delivered")
	}
}

func TestSendTLSModes(t *testing.T) {
	srv := smtptest.Start(t) // speaks neither STARTTLS nor implicit TLS
	for _, url := range []string{"smtp+starttls://" + srv.Addr(), "smtps://" + srv.Addr()} {
		err := sendTo(t, url, message("a@example.com"))
		if err == nil {
			t.Errorf("%s: sent without TLS", url)
		}
		t.Log(err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("message delivered without TLS")
	}
}

func TestSendServerDown(t *testing.T) {
	err := sendTo(t, "smtp://127.0.0.1:1", message("a@example.com"))
	if err == nil || outbox.IsPermanent(err) {
		t.Errorf("err = %v, want a temporary error", err)
	}
	t.Log(err)
}

func TestNewSMTPRefusesBadConfig(t *testing.T) {
	tests := []struct{ url, from, want string }{
		{"", from, "empty"},
		{"http://mail.example.com", from, "unsupported scheme"},
		{"mail.example.com:25", from, "scheme"},
		{"smtp://", from, "no host"},
		{"smtp://mail.example.com:99999", from, "invalid port"},
		{"smtp://mail.example.com:abc", from, "not a valid URL"},
		{"smtp://mail.example.com/path", from, "unexpected path"},
		{"smtp://mail.example.com?tls=off", from, "unknown query parameter"},
		{"smtp://mail.example.com?insecure_skip_verify=maybe", from, "insecure_skip_verify"},
		{"smtp://u:hunter2@mail.example.com:99999", from, "invalid port"},
		{"smtp://mail.example.com", "not-an-address", "invalid from address"},
		{"smtp://mail.example.com", "a@example.com\r\nBcc: evil@x.com", "line break"},
	}
	for _, tt := range tests {
		_, err := mail.NewSMTP(tt.url, tt.from)
		if err == nil {
			t.Errorf("NewSMTP(%q, %q): no error", tt.url, tt.from)
			continue
		}
		t.Log(err)
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSMTP(%q, %q) = %v, want it to mention %q", tt.url, tt.from, err, tt.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}
