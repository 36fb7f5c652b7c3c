// Package smtptest runs a real SMTP server inside the test process, so tests
// can assert what go-mail actually put on the wire (recipients, headers,
// bodies) without any network or external mail catcher.
package smtptest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail the server accepted: the envelope sender, the envelope
// recipients and the raw DATA (headers and body, CRLF line endings).
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an in-process SMTP server that accepts any (or no)
// authentication, offers no TLS, and records every accepted message. It is
// safe for concurrent use.
type Server struct {
	srv    *smtp.Server
	ln     net.Listener
	served chan struct{}
	once   sync.Once

	mu      sync.Mutex
	msgs    []Message
	rcpts   []string
	changed chan struct{} // closed and replaced whenever msgs grows
}

// Start starts a server on a random port of 127.0.0.1; it stops in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartAt(t, "127.0.0.1:0")
}

// StartAt starts a server listening on addr (for example a port a client was
// already told to use, to simulate a mail server that comes up late); it
// stops in t.Cleanup.
func StartAt(t testing.TB, addr string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("smtptest: listen on %s: %v", addr, err)
	}
	s := &Server{ln: ln, served: make(chan struct{}), changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.ErrorLog = discardLogger{}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(s.Close)
	return s
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns an smtp:// URL for the server, as internal/mail expects it.
func (s *Server) URL() string { return "smtp://" + s.Addr() }

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Rcpts returns every RCPT TO address the server has seen, including those
// of transactions that never completed; tests use it to prove that a refused
// message never reached the envelope stage.
func (s *Server) Rcpts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rcpts...)
}

// WaitFor waits until at least n messages have been accepted and returns
// them; it fails the test if that takes longer than timeout. Call it from the
// test's goroutine.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("smtptest: got %d message(s) within %v, want %d", got, timeout, n)
			return nil
		}
	}
}

// Close stops the server and waits for it to finish; it is safe to call more
// than once.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.srv.Close()
		// Serve may not have registered the listener with go-smtp yet, in
		// which case srv.Close cannot close it: close it ourselves.
		_ = s.ln.Close()
		<-s.served
	})
}

func (s *Server) record(rcpt string, m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rcpt != "" {
		s.rcpts = append(s.rcpts, rcpt)
	}
	if m != nil {
		s.msgs = append(s.msgs, *m)
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// session is one SMTP connection's transaction state.
type session struct {
	s    *Server
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	se.s.record(to, nil)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.from == "" && len(se.to) == 0 {
		return errors.New("smtptest: DATA without envelope")
	}
	se.s.record("", &Message{From: se.from, To: append([]string(nil), se.to...), Data: data})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
