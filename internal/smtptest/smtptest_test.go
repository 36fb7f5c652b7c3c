package smtptest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/smtptest"
)

const qpMail = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: hi\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XYZ\r\n" +
	"\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Open:\r\n" +
	"https://auth.example.com/reset?token=3Dabcdefghijklmnopqrstuvwxyz0123456789abcdef=\r\n" +
	"ghijklmnop&x=3D1\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"\r\n" +
	"<a href=\"https://other.example.com/?a=1&amp;b=2\">x</a>\r\n" +
	"--XYZ--\r\n"

func TestServerRecordsAndLinkIn(t *testing.T) {
	srv := smtptest.Start(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Errorf("URL() = %q", srv.URL())
	}
	go func() {
		// The standard library client: a second, independent implementation.
		_ = smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(qpMail))
	}()
	msg := srv.WaitFor(t, 1, 10*time.Second)[0]
	if msg.From != "a@example.com" || len(msg.To) != 1 || msg.To[0] != "b@example.com" {
		t.Errorf("envelope %q %v", msg.From, msg.To)
	}
	if got, want := smtptest.LinkIn(msg, "https://auth.example.com/"),
		"https://auth.example.com/reset?token=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop&x=1"; got != want {
		t.Errorf("LinkIn = %q, want %q", got, want)
	}
	if got := smtptest.LinkIn(msg, "https://other.example.com/"); got != "https://other.example.com/?a=1&b=2" {
		t.Errorf("LinkIn(html) = %q", got)
	}
	if got := smtptest.LinkIn(msg, "https://nowhere.example/"); got != "" {
		t.Errorf("LinkIn(absent) = %q", got)
	}
	if r := srv.Rcpts(); len(r) != 1 {
		t.Errorf("Rcpts = %v", r)
	}
}

func TestCloseRightAfterStart(t *testing.T) {
	for range 20 {
		smtptest.Start(t).Close() // must not hang, even before Serve runs
	}
}
