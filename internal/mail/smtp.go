// Package mail delivers the outbox's rendered messages over SMTP with
// go-mail. It is configured from one URL (GATEHOUSE_SMTP_URL):
//
//	smtp://user:pass@host:port          plain, STARTTLS when offered (default port 25)
//	smtp+starttls://user:pass@host:port STARTTLS required            (default port 587)
//	smtps://user:pass@host:port         implicit TLS                 (default port 465)
//
// The optional query parameter insecure_skip_verify=1 disables certificate
// checks, for development servers with self-signed certificates only.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"gatehouse/internal/outbox"
)

// Timeout bounds dialing and every SMTP command of one delivery.
const Timeout = 10 * time.Second

// SMTP is an outbox.Sender that delivers each message over a fresh SMTP
// connection. It is safe for concurrent use.
type SMTP struct {
	host string
	addr string // host:port, for errors
	from *netmail.Address
	opts []gomail.Option
}

var _ outbox.Sender = (*SMTP)(nil)

// NewSMTP returns a sender for the server described by rawURL, sending from
// the address from. It fails with an error naming the problem for an
// unparsable URL, an unknown scheme, a bad port or query parameter, or a from
// address that net/mail cannot parse.
//
// Credentials are used only when the URL has a user; go-mail then picks the
// strongest mechanism the server offers and never sends PLAIN or LOGIN over
// an unencrypted connection.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, errors.New("mail: SMTP URL is empty")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's message repeats the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mail: SMTP URL is not a valid URL: %v", err)
	}
	var opts []gomail.Option
	var port int
	switch u.Scheme {
	case "smtp":
		port = 25
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtp+starttls":
		port = 587
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP URL %s: unsupported scheme %q (want smtp, smtp+starttls or smtps)", redact(u), u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("mail: SMTP URL %s has no host", redact(u))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL %s: invalid port %q", redact(u), p)
		}
		port = n
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("mail: SMTP URL %s: unexpected path %q", redact(u), u.Path)
	}

	tlsConf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	for key, vals := range u.Query() {
		switch key {
		case "insecure_skip_verify":
			v, err := strconv.ParseBool(vals[len(vals)-1])
			if err != nil {
				return nil, fmt.Errorf("mail: SMTP URL %s: insecure_skip_verify must be a boolean", redact(u))
			}
			tlsConf.InsecureSkipVerify = v
		default:
			return nil, fmt.Errorf("mail: SMTP URL %s: unknown query parameter %q", redact(u), key)
		}
	}
	// WithPort after the TLS options, and no go-mail "port policy" helpers:
	// those fall back to plaintext port 25 when the chosen port fails.
	opts = append(opts, gomail.WithPort(port), gomail.WithTLSConfig(tlsConf), gomail.WithTimeout(Timeout))

	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}

	if strings.ContainsAny(from, "\r\n") {
		return nil, errors.New("mail: from address contains a line break")
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid from address %q: %v", from, err)
	}

	s := &SMTP{host: host, addr: net.JoinHostPort(host, strconv.Itoa(port)), from: addr, opts: opts}
	if _, err := s.client(); err != nil { // validate the options once, up front
		return nil, fmt.Errorf("mail: SMTP URL %s: %w", redact(u), err)
	}
	return s, nil
}

// Send delivers m to its single recipient. It refuses, without connecting, a
// To that is not exactly one address and any To or Subject containing CR or
// LF (header injection); such errors are outbox.Permanent, as retrying cannot
// help.
func (s *SMTP) Send(ctx context.Context, m outbox.Message) error {
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return outbox.Permanent(errors.New("mail: line break in recipient or subject"))
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return outbox.Permanent(fmt.Errorf("mail: invalid recipient: %v", err))
	}

	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	c, err := s.client()
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send via %s: %w", s.addr, err)
	}
	return nil
}

// client builds a go-mail client per delivery, so concurrent sends never
// share connection state.
func (s *SMTP) client() (*gomail.Client, error) {
	return gomail.NewClient(s.host, s.opts...)
}

// redact renders u without its password, for error messages.
func redact(u *url.URL) string { return u.Redacted() }
