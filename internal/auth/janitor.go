package auth

import (
	"context"
	"time"
)

// SweepTarget names one kind of row the janitor deletes. What "dead" means
// for each is decided here; the store only runs the matching SQL.
type SweepTarget string

// The janitor's targets, in the order a run sweeps them.
const (
	// SweepAnonymous: anonymous (kuroco) access tokens past their expiry.
	// They belong to no session and nothing reads them once expired, so
	// they are deleted without a retention: a flood of them must not
	// outlive the hour they are valid for.
	SweepAnonymous SweepTarget = "anonymous_tokens"
	// SweepCredentials: access, refresh, grant and file tokens that expired
	// or were revoked before the cutoff, and grants used before it. A
	// rotated refresh token is neither until it expires, so reuse detection
	// and the grace replay keep working for the whole life of its family.
	SweepCredentials SweepTarget = "credentials"
	// SweepSessions: sessions revoked or expired before the cutoff, with
	// their credentials first (each batch counts both). A session /account
	// still lists (not revoked, not expired) is never touched.
	SweepSessions SweepTarget = "sessions"
	// SweepOneTimeTokens: reset, invitation, challenge and code tokens used
	// or expired before the cutoff.
	SweepOneTimeTokens SweepTarget = "one_time_tokens"
	// SweepMail: outbox rows sent or dropped before the cutoff (pending mail
	// is never touched).
	SweepMail SweepTarget = "mail"
	// SweepLoginFailures: failure counters with no failure since the cutoff,
	// no lock in force at Now and no attempt in flight: such a counter
	// would start over anyway.
	SweepLoginFailures SweepTarget = "login_failures"
	// SweepKnownClients: clients whose last sign-in of a member is older
	// than the cutoff (knownClientAge, gate.go): they are strangers again.
	SweepKnownClients SweepTarget = "known_clients"
	// SweepOIDCRequests: OpenID authorization requests that expired (used
	// or not) before the cutoff (oidc.go).
	SweepOIDCRequests SweepTarget = "oidc_requests"
)

// Sweep is one batch of the janitor: delete at most Limit rows of Target
// that died before Before (Now is the current time, for rows whose
// liveness is judged against it).
type Sweep struct {
	Target SweepTarget
	Before time.Time
	Now    time.Time
	Limit  int
}

// Retention is how long dead rows are kept, and how the janitor runs
// (docs/decisions.md, issue 9). Zero fields take the defaults.
type Retention struct {
	// Every is the time between two runs: default 10 minutes; negative
	// turns the janitor off.
	Every time.Duration
	// Tokens keeps expired, revoked or used credentials and one-time tokens:
	// default 24 hours, so that a client presenting a token that just died
	// still hears "expired" rather than "invalid".
	Tokens time.Duration
	// Sessions keeps ended sessions: default 30 days (the audit log keeps
	// the history for good; the account page lists only live sessions).
	Sessions time.Duration
	// Mail keeps sent or dropped outbox rows: default 7 days, at least one
	// day, since the per-address mail limits count the last day's mail.
	Mail time.Duration
	// Batch is the most rows one transaction deletes: default 500, so the
	// single writer is never held for long; Pause is the wait between two
	// batches (default 10 ms), leaving room for the requests queued behind.
	Batch int
	Pause time.Duration
}

// minMailRetention is the floor of Retention.Mail (see there).
const minMailRetention = 24 * time.Hour

func (r Retention) withDefaults() Retention {
	if r.Every == 0 {
		r.Every = 10 * time.Minute
	}
	if r.Tokens <= 0 {
		r.Tokens = 24 * time.Hour
	}
	if r.Sessions <= 0 {
		r.Sessions = 30 * 24 * time.Hour
	}
	if r.Mail <= 0 {
		r.Mail = 7 * 24 * time.Hour
	}
	r.Mail = max(r.Mail, minMailRetention)
	if r.Batch <= 0 {
		r.Batch = 500
	}
	if r.Pause <= 0 {
		r.Pause = 10 * time.Millisecond
	}
	return r
}

// SweepReport counts the rows one janitor run deleted, per target.
type SweepReport map[SweepTarget]int

// Total is the number of rows deleted.
func (r SweepReport) Total() int {
	n := 0
	for _, v := range r {
		n += v
	}
	return n
}

// RunJanitor sweeps once at start and then every Retention.Every until ctx
// ends; it returns when ctx ends (at once when the janitor is off). done is
// called after every run with what it deleted and the error that stopped
// it, if any (the core does not log; the caller does).
func (s *Service) RunJanitor(ctx context.Context, done func(SweepReport, error)) {
	r := s.cfg.Retention.withDefaults()
	if r.Every < 0 {
		return
	}
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		rep, err := s.Sweep(ctx)
		if ctx.Err() != nil {
			return
		}
		if done != nil {
			done(rep, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep runs the janitor once: every target in turn, each in batches of at
// most Retention.Batch rows, one short writing transaction per batch with a
// pause between batches, so requests keep being served while it runs. It
// stops at the first error (the next run starts over) or when ctx ends.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	r := s.cfg.Retention.withDefaults()
	now := s.clock()
	plan := []struct {
		target SweepTarget
		keep   time.Duration
	}{
		{SweepAnonymous, 0},
		{SweepCredentials, r.Tokens},
		{SweepSessions, r.Sessions},
		{SweepOneTimeTokens, r.Tokens},
		{SweepMail, r.Mail},
		{SweepLoginFailures, lockQuiet},
		{SweepKnownClients, knownClientAge},
		{SweepOIDCRequests, r.Tokens},
	}
	rep := SweepReport{}
	for _, p := range plan {
		sw := Sweep{Target: p.target, Before: now.Add(-p.keep), Now: now, Limit: r.Batch}
		for {
			var n int
			err := s.store.Update(ctx, func(tx Tx) error {
				var err error
				n, err = tx.Sweep(ctx, sw)
				return err
			})
			if err != nil {
				return rep, err
			}
			rep[p.target] += n
			if n < r.Batch {
				break
			}
			if err := pause(ctx, r.Pause); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
