package auth

import (
	"context"
	"strconv"
	"time"
)

// Failure counters (docs/security.md B1-B3, B5, M3, L5; docs/decisions.md,
// "Lockout"). Every attempt at a secret first reserves a place on its
// counter in a writing transaction of its own, before anything is
// evaluated; the reservation is pending until the attempt is settled. Only
// a settled failure counts, so concurrent correct sign-ins never start a
// backoff; pending reservations still count towards the threshold, so
// concurrent wrong attempts can never evaluate more than the threshold per
// round (the excess waits, then meets the backoff). Counters live in the
// database: they hold across doors, identifier spellings, restarts and
// nodes.
const (
	lockFirst     = time.Minute      // first backoff; doubles per lock
	lockMax       = 15 * time.Minute // longest backoff (never permanent)
	lockQuiet     = 12 * time.Hour   // a counter this long without failures starts over
	pendingExpiry = time.Minute      // a reservation older than this died with its request
)

// Thresholds: failures that start a backoff, per counter family. Password
// and one-time-code failures count separately (a wrong code says nothing
// about the password); a pending two-factor login also ends after
// maxOTPAttempts wrong codes.
const (
	passwordThreshold = 10
	codeThreshold     = 10
)

// LoginFailure is the stored failure counter of one account, one
// (account, client) pair, or one unknown identifier.
type LoginFailure struct {
	Key           string // see counterKeys
	MemberID      int64  // 0 for an unknown identifier
	Failures      int    // settled failures in the current round
	Locks         int    // backoffs so far; the next one is twice as long
	LastFailureAt time.Time
	LockedUntil   time.Time // zero: not backed off
	Pending       int       // reservations not yet settled
	PendingAt     time.Time // the newest reservation
}

// counter names one failure counter and its threshold.
type counter struct {
	key       string
	member    int64
	threshold int
}

// memberKey is the password counter of a known account for clients that
// never signed in to it; every spelling of its email or username maps to it.
func memberKey(id int64) string { return "m:" + strconv.FormatInt(id, 10) }

// unknownKey is the counter of an identifier that names no account, so that
// unknown identifiers lock exactly like known ones.
func unknownKey(canonical string) string { return "i:" + canonical }

// lockBackoff is the length of the n-th backoff: 1, 2, 4, 8, then 15 minutes.
func lockBackoff(n int) time.Duration {
	d := lockFirst
	for i := 1; i < n && d < lockMax; i++ {
		d *= 2
	}
	if d > lockMax {
		d = lockMax
	}
	return d
}

// rateLimited is the answer while an account or an IP is backed off.
func rateLimited(retry time.Duration) *Error {
	if retry < time.Second {
		retry = time.Second
	}
	return &Error{Code: ERATELIMIT, Message: "Too many attempts. Please try again later.", RetryAfter: retry.Round(time.Second)}
}

// errCounterBusy: the threshold is taken by attempts in flight; the caller
// waits for them to settle.
var errCounterBusy = &Error{Code: ERATELIMIT, Message: "Too many attempts in flight.", RetryAfter: time.Second}

// load reads the counter as it stands at now: a quiet counter starts over
// and a dead reservation no longer counts.
func (c counter) load(ctx context.Context, r Reader, now time.Time) (LoginFailure, error) {
	f, err := r.LoginFailures(ctx, c.key)
	if isNotFound(err) {
		return LoginFailure{Key: c.key, MemberID: c.member}, nil
	}
	if err != nil {
		return LoginFailure{}, err
	}
	f.MemberID = c.member
	if !f.LastFailureAt.IsZero() && now.Sub(f.LastFailureAt) >= lockQuiet && !f.LockedUntil.After(now) {
		f.Failures, f.Locks, f.LastFailureAt = 0, 0, time.Time{}
	}
	if f.Pending > 0 && now.Sub(f.PendingAt) >= pendingExpiry {
		f.Pending = 0
	}
	return f, nil
}

// check answers ERATELIMIT while f is backed off, errCounterBusy while the
// attempts in flight fill the threshold, nil when one more may proceed.
func (c counter) check(f LoginFailure, now time.Time) error {
	if f.LockedUntil.After(now) {
		return rateLimited(f.LockedUntil.Sub(now))
	}
	if f.Failures+f.Pending >= c.threshold {
		return errCounterBusy
	}
	return nil
}

// reserve counts one attempt in flight on every counter, in one committed
// transaction, or reserves nothing and answers as check does.
func (s *Service) reserve(ctx context.Context, cs []counter) error {
	now := s.clock()
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		fs := make([]LoginFailure, len(cs))
		for i, c := range cs {
			f, err := c.load(ctx, tx, now)
			if err == nil {
				err = c.check(f, now)
			}
			if err != nil {
				return err
			}
			fs[i] = f
		}
		for _, f := range fs {
			f.Pending++
			f.PendingAt = now
			if err := tx.SetLoginFailures(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// outcome is how an attempt ended.
type outcome int

const (
	attemptFailed    outcome = iota // the secret was wrong: counts
	attemptSucceeded                // the secret was right: the round starts over
	attemptSkipped                  // nothing was evaluated (overload): forget it
)

// settle ends one reservation on every counter inside tx. A failure that
// reaches the threshold starts the next backoff.
func (s *Service) settle(ctx context.Context, tx Tx, cs []counter, o outcome) error {
	_, err := s.settleCounting(ctx, tx, cs, o)
	return err
}

// settleCounting is settle, reporting whether a backoff started.
func (s *Service) settleCounting(ctx context.Context, tx Tx, cs []counter, o outcome) (locked bool, err error) {
	now := s.clock()
	for _, c := range cs {
		f, err := c.load(ctx, tx, now)
		if err != nil {
			return false, err
		}
		if f.Pending > 0 {
			f.Pending--
		}
		switch o {
		case attemptFailed:
			f.Failures++
			f.LastFailureAt = now
			if f.Failures >= c.threshold {
				f.Locks++
				f.Failures = 0
				f.LockedUntil = now.Add(lockBackoff(f.Locks))
				locked = true
			}
		case attemptSucceeded:
			f.Failures, f.Locks, f.LockedUntil = 0, 0, time.Time{}
		}
		if f.Failures == 0 && f.Locks == 0 && f.Pending == 0 && !f.LockedUntil.After(now) {
			err = tx.DeleteLoginFailures(ctx, c.key)
		} else {
			err = tx.SetLoginFailures(ctx, f)
		}
		if err != nil {
			return false, err
		}
	}
	return locked, nil
}

// waitForRoom reserves on the counters, waiting while attempts in flight
// fill a threshold (they settle within a hash or two) up to busyWait; a
// backed-off counter is answered at once. The wait polls with reads, never
// holding the writer.
func (s *Service) waitForRoom(ctx context.Context, cs []counter) error {
	deadline := time.Now().Add(busyWait)
	for {
		err := s.reserve(ctx, cs)
		if err != errCounterBusy {
			return err
		}
		for {
			if time.Now().After(deadline) {
				return rateLimited(time.Second)
			}
			t := time.NewTimer(busyPoll)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			if s.roomOn(ctx, cs) {
				break
			}
		}
	}
}

// roomOn reports (by a read) whether every counter may take one more
// attempt, or is backed off (which reserve then answers).
func (s *Service) roomOn(ctx context.Context, cs []counter) bool {
	now := s.clock()
	for _, c := range cs {
		f, err := c.load(ctx, s.store, now)
		if err != nil {
			return true // let reserve report it
		}
		if c.check(f, now) == errCounterBusy {
			return false
		}
	}
	return true
}

// How long an attempt waits for attempts in flight to settle, and how often
// it looks.
const (
	busyWait = 5 * time.Second
	busyPoll = 10 * time.Millisecond
)

// failureFloor makes a failed attempt last at least cfg.FailureFloor since
// start (docs/security.md B6), so that no kind of failure answers faster than
// another. It uses the real clock: the floor is about wall time.
func (s *Service) failureFloor(ctx context.Context, start time.Time) {
	wait := s.cfg.FailureFloor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
