package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"sync"
	"time"
)

// Config holds the product settings the use cases need. Zero values take the
// defaults of docs/contract.md §1 and the docs/security.md's choices.
type Config struct {
	BaseURL           string        // absolute; every mailed link is built from it
	ProductName       string        // "Gatehouse"
	MinPasswordLength int           // 8 (configurable up to 15)
	ResetTTL          time.Duration // password reset link: 60 min
	SessionTTL        time.Duration // absolute session lifetime: 12 h
	SessionIdle       time.Duration // idle timeout of browser sessions: 30 min
	NewPasswordTTL    time.Duration // NEW_PASSWORD_REQUIRED challenge: 3 min
	InviteTTL         time.Duration // invitation link: 7 days
	ResetCodeTTL      time.Duration // wme confirmation code: 10 min
	GrantTTL          time.Duration // kuroco grant_token: 300 s
	FileTokenTTL      time.Duration // kuroco file_access_token: 300 s
	// ProxyMaxAge is the hard cap of a proxy session (default ProxyTTL, one
	// hour): it ends then, and no refresh token outlives it.
	ProxyMaxAge time.Duration
	// Policies holds the token policy of each dialect (DefaultPolicies()
	// fills the missing ones).
	Policies map[string]TokenPolicy
	// ResetURLAllowList lists the exact reset URLs a client may ask reset
	// links to point at (directus PASSWORD_RESET_URL_ALLOW_LIST).
	ResetURLAllowList []string
	// Issuer and Audience of id_tokens (default: BaseURL and "gatehouse").
	Issuer, Audience string
	// IPFailureLimit is how many failed logins one client IP may make per
	// minute (docs/security.md B4): 0 means the default 100, a negative value
	// turns the per-IP throttle off. It is kept in memory and resets when
	// the process restarts.
	IPFailureLimit int
	// FailureFloor is the least time any failed login takes (docs/security.md B6):
	// 0 means the default 300 ms, a negative value means none.
	FailureFloor time.Duration
	// ResetLimitPerAddress and ResetLimitPerIP cap forgot-password requests
	// per canonical identifier and per client IP within ResetLimitWindow
	// (reset_request.go): 0 means the defaults 5 and 20, a negative value
	// turns the limit off. They are counted in the database.
	ResetLimitPerAddress int
	ResetLimitPerIP      int
	// Retention is how long the janitor keeps dead rows (janitor.go).
	Retention Retention
	// AnonymousTokenLimit is how many kuroco anonymous tokens one client IP
	// (IPv6: one /64) may get per minute (anonymous.go): 0 means the
	// default 30, a negative value turns the limit off. In memory.
	AnonymousTokenLimit int
}

func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.ProductName == "" {
		c.ProductName = "Gatehouse"
	}
	if c.MinPasswordLength == 0 {
		c.MinPasswordLength = 8
	}
	if c.ResetTTL == 0 {
		c.ResetTTL = 60 * time.Minute
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.NewPasswordTTL == 0 {
		c.NewPasswordTTL = 3 * time.Minute
	}
	if c.InviteTTL == 0 {
		c.InviteTTL = 7 * 24 * time.Hour
	}
	if c.ResetCodeTTL == 0 {
		c.ResetCodeTTL = 10 * time.Minute
	}
	if c.GrantTTL == 0 {
		c.GrantTTL = 300 * time.Second
	}
	if c.ProxyMaxAge <= 0 {
		c.ProxyMaxAge = ProxyTTL
	}
	if c.FileTokenTTL == 0 {
		c.FileTokenTTL = 300 * time.Second
	}
	policies := DefaultPolicies()
	for via, p := range c.Policies {
		policies[via] = p
	}
	c.Policies = policies
	if c.Issuer == "" {
		c.Issuer = c.BaseURL
	}
	if c.Audience == "" {
		c.Audience = "gatehouse"
	}
	if c.IPFailureLimit == 0 {
		c.IPFailureLimit = 100
	}
	if c.FailureFloor == 0 {
		c.FailureFloor = 300 * time.Millisecond
	}
	if c.ResetLimitPerAddress == 0 {
		c.ResetLimitPerAddress = 5
	}
	if c.ResetLimitPerIP == 0 {
		c.ResetLimitPerIP = 20
	}
	return c
}

// Options injects the clock, the randomness and the outbox wake-up.
type Options struct {
	Now    func() time.Time
	Rand   io.Reader
	Notify func() // called after a transaction that queued mail commits
	Blobs  Blobs  // member file bytes (internal/blob); nil: uploads fail
}

// Service holds every use case. Six front doors (the pages and five API
// dialects) call it; it is the only place business rules live.
type Service struct {
	store  Store
	hasher Hasher
	policy PasswordPolicy
	cfg    Config
	now    func() time.Time
	rand   io.Reader
	notify func()
	dummy  string      // a real hash of a random password, verified for unknown accounts
	keys   keyCache    // id_token signing keys (signing.go)
	blobs  Blobs       // member file bytes (files.go)
	ips    *ipThrottle // failed logins per client IP (throttle.go)
	anon   *windowLog  // anonymous tokens per client (anonymous.go)
	queues sync.Map    // Tx → *mailQueue of the open update, for mail queued by addAudit
}

// NewService builds the service. It computes one dummy hash, so that a login
// for an unknown account costs the same as one with a wrong password.
func NewService(store Store, hasher Hasher, cfg Config, opts Options) (*Service, error) {
	cfg = cfg.withDefaults()
	s := &Service{
		store:  store,
		hasher: hasher,
		policy: PasswordPolicy{MinLength: cfg.MinPasswordLength, ProductName: cfg.ProductName},
		cfg:    cfg,
		now:    opts.Now,
		rand:   opts.Rand,
		notify: opts.Notify,
		blobs:  opts.Blobs,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.notify == nil {
		s.notify = func() {}
	}
	s.ips = newIPThrottle(cfg.IPFailureLimit, s.now)
	s.anon = newAnonymousLimiter(cfg.AnonymousTokenLimit, s.now)
	secret, err := newSecret(s.rand, 32)
	if err != nil {
		return nil, err
	}
	if s.dummy, err = hasher.Hash(secret); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// clock returns the current time in UTC, truncated to milliseconds (the
// store's resolution), so values compare equal after a round trip.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// link builds an absolute URL from the configured base URL, never from a
// request's Host or X-Forwarded-* headers.
func (s *Service) link(path string) string { return s.cfg.BaseURL + path }

// update runs fn in one writing transaction and wakes the outbox worker when
// fn queued mail.
func (s *Service) update(ctx context.Context, fn func(tx Tx, q *mailQueue) error) error {
	q := &mailQueue{}
	err := s.store.Update(ctx, func(tx Tx) error {
		q.tx = tx
		s.queues.Store(tx, q)
		defer s.queues.Delete(tx)
		return fn(tx, q)
	})
	if err == nil && q.queued > 0 {
		s.notify()
	}
	return err
}

// mailQueue counts the mail a transaction queues.
type mailQueue struct {
	tx     Tx
	queued int
}

func (q *mailQueue) send(ctx context.Context, m Mail) error {
	q.queued++
	return q.tx.EnqueueMail(ctx, m)
}

// pendingMail counts a mail queued in tx outside mailQueue.send, so the
// worker is woken once tx commits (at once when tx is not an update's).
func (s *Service) pendingMail(tx Tx) {
	if q, ok := s.queues.Load(tx); ok {
		q.(*mailQueue).queued++
		return
	}
	s.notify()
}

// mail builds an outbox row for m with the product name filled in.
func (s *Service) mail(kind string, m Member, data map[string]string, notAfter time.Time) Mail {
	if data == nil {
		data = map[string]string{}
	}
	data["product"] = s.cfg.ProductName
	data["name"] = m.DisplayName()
	if m.Language != "" {
		data["lang"] = m.Language // views/email writes in it; English otherwise
	}
	now := s.clock()
	return Mail{Kind: kind, To: m.Email, Data: data, CreatedAt: now, NextAttemptAt: now, NotAfter: notAfter}
}

// isNotFound reports whether err is an ENOTFOUND domain error.
func isNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// errInvalidCredentials is the one answer to every failed login, whatever the
// reason (unknown account, wrong password, suspended), so that nothing about
// the account leaks.
var errInvalidCredentials = &Error{Code: EUNAUTHORIZED, Message: "Incorrect email or password."}

// errSessionEnded is the answer for a session that is revoked, expired or idle.
var errSessionEnded = &Error{Code: EUNAUTHORIZED, Message: "Your session has ended. Please sign in again."}

// ErrInvalidCredentials reports whether err is the generic failed-login error.
// A suspended member who gave the right password (ErrSuspended) got that
// answer too.
func ErrInvalidCredentials(err error) bool {
	return errors.Is(err, errInvalidCredentials) || errors.Is(err, ErrSuspended)
}
