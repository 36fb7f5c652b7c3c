package outbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/mail"
	"gatehouse/internal/outbox"
	"gatehouse/internal/smtptest"
)

const resetLink = "https://auth.example.com/reset?token=s3cr3t-t0ken"

func resetMail(to string) auth.Mail {
	return auth.Mail{
		Kind: auth.MailReset,
		To:   to,
		Data: map[string]string{"name": "Alice", "link": resetLink, "expires_minutes": "30"},
	}
}

// fastOptions keeps every delay in milliseconds.
func fastOptions(log *slog.Logger) outbox.WorkerOptions {
	return outbox.WorkerOptions{
		Logger:       log,
		PollInterval: 5 * time.Millisecond,
		BaseBackoff:  5 * time.Millisecond,
		MaxBackoff:   20 * time.Millisecond,
		SendTimeout:  5 * time.Second,
	}
}

// start runs w until the test ends (or stop is called) and returns stop,
// which cancels Run and waits for it to return.
func start(t *testing.T, w *outbox.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func newSender(t *testing.T, url string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(url, "Gatehouse <no-reply@gatehouse.test>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWorkerDeliversResetMail(t *testing.T) {
	srv := smtptest.Start(t)
	q := newMemQueue(resetMail("alice@example.com"))
	var logs bytes.Buffer
	w := outbox.NewWorker(q, newSender(t, srv.URL()), fastOptions(slog.New(slog.NewTextHandler(&logs, nil))))
	stop := start(t, w)
	w.Notify()

	msg := srv.WaitFor(t, 1, 10*time.Second)[0]
	if len(msg.To) != 1 || msg.To[0] != "alice@example.com" {
		t.Errorf("envelope recipients = %v", msg.To)
	}
	if msg.From != "no-reply@gatehouse.test" {
		t.Errorf("envelope sender = %q", msg.From)
	}
	parsed, err := netmail.ReadMessage(bytes.NewReader(msg.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if subject != "Reset your Gatehouse password" {
		t.Errorf("subject = %q", subject)
	}
	if got := smtptest.LinkIn(msg, "https://auth.example.com/reset"); got != resetLink {
		t.Errorf("link = %q, want %q", got, resetLink)
	}
	text, html := smtptest.Bodies(msg)
	if !strings.Contains(text, resetLink) || !strings.Contains(html, resetLink) {
		t.Errorf("link missing from a part: text %t html %t",
			strings.Contains(text, resetLink), strings.Contains(html, resetLink))
	}

	eventually(t, "mail marked sent", func() bool { return q.get(1).SentAt != nil })
	stop()
	if strings.Contains(logs.String(), "s3cr3t") {
		t.Errorf("log leaks the reset token:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "mail_id=1") {
		t.Errorf("log lacks the mail id:\n%s", logs.String())
	}
}

func TestWorkerRetriesUntilServerComesUp(t *testing.T) {
	addr := freeAddr(t)
	q := newMemQueue(resetMail("bob@example.com"))
	w := outbox.NewWorker(q, newSender(t, "smtp://"+addr), fastOptions(nil))
	start(t, w)

	eventually(t, "two failed attempts", func() bool { return q.get(1).Attempts >= 2 })
	if m := q.get(1); m.SentAt != nil || m.DroppedAt != nil || m.LastError == "" {
		t.Fatalf("after failures: sent %v dropped %v last error %q", m.SentAt, m.DroppedAt, m.LastError)
	}

	srv := smtptest.StartAt(t, addr)
	srv.WaitFor(t, 1, 10*time.Second)
	eventually(t, "mail marked sent", func() bool { return q.get(1).SentAt != nil })
	// Let the worker poll a few more times: a sent mail must not go out again.
	polls := q.claimCount()
	eventually(t, "more polls", func() bool { return q.claimCount() >= polls+3 })
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server got %d messages, want exactly 1", n)
	}
}

func TestWorkerDropsExpiredMail(t *testing.T) {
	srv := smtptest.Start(t)
	m := resetMail("carol@example.com")
	m.NotAfter = time.Now().Add(-time.Minute)
	q := newMemQueue(m)
	start(t, outbox.NewWorker(q, newSender(t, srv.URL()), fastOptions(nil)))

	eventually(t, "mail dropped", func() bool { return q.get(1).DroppedAt != nil })
	got := q.get(1)
	if got.LastError != "expired" || got.SentAt != nil {
		t.Errorf("reason %q, sent %v", got.LastError, got.SentAt)
	}
	if len(srv.Rcpts()) != 0 {
		t.Errorf("expired mail reached the server: %v", srv.Rcpts())
	}
}

func TestWorkerDropsWhatCannotSucceed(t *testing.T) {
	srv := smtptest.Start(t)
	injected := resetMail("victim@x.com\r\nBcc: evil@x.com")
	unknown := resetMail("dave@example.com")
	unknown.Kind = "no_such_kind"
	q := newMemQueue(injected, unknown)
	start(t, outbox.NewWorker(q, newSender(t, srv.URL()), fastOptions(nil)))

	eventually(t, "both dropped", func() bool { return q.get(1).DroppedAt != nil && q.get(2).DroppedAt != nil })
	if r := q.get(1).LastError; !strings.HasPrefix(r, "permanent:") {
		t.Errorf("injected recipient: reason %q", r)
	}
	if r := q.get(2).LastError; !strings.HasPrefix(r, "render:") {
		t.Errorf("unknown kind: reason %q", r)
	}
	if len(srv.Rcpts()) != 0 {
		t.Errorf("server saw RCPT %v", srv.Rcpts())
	}
}

func TestWorkerStopsPromptly(t *testing.T) {
	q := newMemQueue()
	w := outbox.NewWorker(q, newSender(t, "smtp://127.0.0.1:1"), outbox.WorkerOptions{PollInterval: time.Hour})
	stop := start(t, w)
	eventually(t, "first poll", func() bool { return q.claimCount() >= 1 })
	stop() // fails the test if Run does not return
}

// blockingSender holds every Send until released and reports the error of
// its context at the moment it returns.
type blockingSender struct {
	started chan struct{}
	release chan struct{}
	ctxErr  chan error
}

func (b *blockingSender) Send(ctx context.Context, _ outbox.Message) error {
	b.started <- struct{}{}
	<-b.release
	b.ctxErr <- ctx.Err()
	return ctx.Err()
}

func TestWorkerFinishesInFlightSendOnShutdown(t *testing.T) {
	q := newMemQueue(resetMail("erin@example.com"))
	s := &blockingSender{started: make(chan struct{}, 1), release: make(chan struct{}), ctxErr: make(chan error, 1)}
	w := outbox.NewWorker(q, s, fastOptions(nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	waitChan(t, "send to start", s.started)
	cancel() // shut down while the send is in flight
	close(s.release)
	if err := waitChan(t, "send to return", s.ctxErr); err != nil {
		t.Errorf("in-flight send saw its context end: %v", err)
	}
	if err := waitChan(t, "Run to return", done); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if q.get(1).SentAt == nil {
		t.Error("in-flight send not recorded as sent")
	}
}

func waitChan[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestBackoff(t *testing.T) {
	w := outbox.NewWorker(newMemQueue(), nil, outbox.WorkerOptions{BaseBackoff: time.Second, MaxBackoff: time.Minute})
	for _, tt := range []struct {
		attempts int
		want     time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {6, time.Minute}, {1000, time.Minute}} {
		got := w.Backoff(tt.attempts)
		if got < tt.want || got > tt.want+tt.want/10 {
			t.Errorf("Backoff(%d) = %v, want %v plus at most 10%%", tt.attempts, got, tt.want)
		}
	}
}

// freeAddr returns a loopback address with nothing listening on it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
