package outbox_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/auth/authtest"
	"gatehouse/internal/outbox"
	"gatehouse/internal/smtptest"
)

// request records forgot-password requests for who through the service.
func request(t *testing.T, e *authtest.Env, mode auth.ResetMode, who ...string) {
	t.Helper()
	for _, w := range who {
		if err := e.Svc.RequestReset(context.Background(), auth.ResetRequest{Identifier: w, Mode: mode, IP: "192.0.2.1", Door: "test"}); err != nil {
			t.Fatal(err)
		}
	}
}

func pending(t *testing.T, e *authtest.Env) int {
	t.Helper()
	n, err := e.Store.PendingRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWorkerResolvesRequests: on the real store with the real service as
// resolver, a request row is never mailed itself; the worker resolves it,
// the reset mail it queued arrives once with a working link, and a request
// for an unknown address sends nothing.
func TestWorkerResolvesRequests(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", "correct horse battery")
	request(t, e, auth.ResetLink, "ann@example.com", "nobody@example.com")
	srv := smtptest.Start(t)
	opts := fastOptions(slog.New(slog.DiscardHandler))
	opts.Resolver = e.Svc
	opts.Now = e.Clock.Now
	start(t, outbox.NewWorker(e.Store, newSender(t, srv.URL()), opts))

	msg := srv.WaitFor(t, 1, 10*time.Second)[0]
	eventually(t, "requests resolved", func() bool { return pending(t, e) == 0 })
	eventually(t, "mail sent", func() bool {
		ms, _ := e.Store.ListMail(context.Background(), 10)
		return len(ms) == 1 && ms[0].SentAt != nil
	})
	time.Sleep(50 * time.Millisecond) // ten more polls: nothing else goes out
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	if len(msg.To) != 1 || msg.To[0] != "ann@example.com" {
		t.Fatalf("recipients %v", msg.To)
	}
	link := smtptest.LinkIn(msg, "https://auth.example.test/reset-password?token=")
	if link == "" {
		t.Fatal("no reset link")
	}
	if err := e.Svc.CheckResetToken(context.Background(), link[strings.Index(link, "token=")+6:], auth.ClientMeta{}); err != nil {
		t.Fatalf("the mailed link does not work: %v", err)
	}
}

// TestWorkerWithoutSenderOnlyResolves: in dev mode (no SMTP) the worker
// resolves requests and leaves the resulting mail untouched in the outbox.
func TestWorkerWithoutSenderOnlyResolves(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", "correct horse battery")
	request(t, e, auth.ResetCode, "ann@example.com")
	opts := fastOptions(slog.New(slog.DiscardHandler))
	opts.Resolver = e.Svc
	start(t, outbox.NewWorker(e.Store, nil, opts))
	eventually(t, "request resolved", func() bool { return pending(t, e) == 0 })
	time.Sleep(50 * time.Millisecond)
	ms, err := e.Store.ListMail(context.Background(), 10)
	if err != nil || len(ms) != 1 || ms[0].Kind != auth.MailResetCode || ms[0].SentAt != nil || ms[0].DroppedAt != nil || ms[0].Attempts != 0 {
		t.Fatalf("outbox %+v, %v: want one untouched code mail", ms, err)
	}
}

// TestRequestSurvivesWorkerWithoutResolver: a worker that cannot resolve
// (none wired) keeps the request pending with a retry, never mails it nor
// drops it; the next worker with a resolver (a restart) delivers.
func TestRequestSurvivesWorkerWithoutResolver(t *testing.T) {
	e := authtest.New(t, auth.Config{})
	e.Member(t, "ann@example.com", "correct horse battery")
	request(t, e, auth.ResetLink, "ann@example.com")
	srv := smtptest.Start(t)
	stop := start(t, outbox.NewWorker(e.Store, newSender(t, srv.URL()), fastOptions(slog.New(slog.DiscardHandler))))
	time.Sleep(100 * time.Millisecond)
	stop()
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages without a resolver", n)
	}
	if pending(t, e) != 1 {
		t.Fatal("the request was lost")
	}
	e.Reopen(t) // a restart, now with the resolver wired
	opts := fastOptions(slog.New(slog.DiscardHandler))
	opts.Resolver = e.Svc
	opts.MaxBackoff = 5 * time.Millisecond
	start(t, outbox.NewWorker(e.Store, newSender(t, srv.URL()), opts))
	if msg := srv.WaitFor(t, 1, 10*time.Second)[0]; smtptest.LinkIn(msg, "https://auth.example.test/reset-password?token=") == "" {
		t.Fatal("no reset link after the restart")
	}
}
