package auth

import (
	"context"
	"strconv"
	"time"
)

// Per-account login backoff (checklist B1-B3, B5, M3, L5). Every password
// or one-time-password attempt first reserves itself on the account's
// counter in a writing transaction of its own, before any hash is
// evaluated; a success clears the counter, a failure leaves the reservation
// as the counted failure. So concurrent attempts can never evaluate more
// than lockThreshold hashes per round, and the increment is committed
// whatever happens to the request afterwards. The counter lives in the
// database: it holds across dialects, identifier spellings and restarts.
const (
	lockThreshold = 10               // failures that start a backoff
	lockFirst     = time.Minute      // first backoff; doubles per lock
	lockMax       = 15 * time.Minute // longest backoff (never permanent)
	lockQuiet     = 12 * time.Hour   // a counter this long without failures starts over
)

// LoginFailure is the stored failure counter of one account (or of one
// unknown identifier).
type LoginFailure struct {
	Key           string // "m:<member id>" or "i:<canonical identifier>"
	Failures      int    // failures in the current round
	Locks         int    // backoffs so far; the next one is twice as long
	LastFailureAt time.Time
	LockedUntil   time.Time // zero: not backed off
}

// memberKey is the counter key of a known account; every spelling of its
// email or username maps to it.
func memberKey(id int64) string { return "m:" + strconv.FormatInt(id, 10) }

// unknownKey is the counter key of an identifier that names no account, so
// that unknown identifiers lock exactly like known ones.
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

// reserveAttempt counts one attempt on key in its own committed
// transaction, or answers ERATELIMIT (and counts nothing) while the key is
// backed off. The attempt that reaches lockThreshold starts the next
// backoff.
func (s *Service) reserveAttempt(ctx context.Context, key string) error {
	now := s.clock()
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		f, err := tx.LoginFailures(ctx, key)
		if isNotFound(err) {
			f, err = LoginFailure{Key: key}, nil
		}
		if err != nil {
			return err
		}
		if f.LockedUntil.After(now) {
			return rateLimited(f.LockedUntil.Sub(now))
		}
		if !f.LastFailureAt.IsZero() && now.Sub(f.LastFailureAt) >= lockQuiet {
			f = LoginFailure{Key: key}
		}
		f.Failures++
		f.LastFailureAt = now
		f.LockedUntil = time.Time{}
		if f.Failures >= lockThreshold {
			f.Locks++
			f.Failures = 0
			f.LockedUntil = now.Add(lockBackoff(f.Locks))
		}
		return tx.SetLoginFailures(ctx, f)
	})
}

// unreserveAttempt takes back a reservation whose attempt was never
// evaluated (the hash pool was full). A reservation that started a backoff
// stays: the backoff is not undone.
func (s *Service) unreserveAttempt(ctx context.Context, key string) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		f, err := tx.LoginFailures(ctx, key)
		if isNotFound(err) || (err == nil && f.Failures == 0) {
			return nil
		}
		if err != nil {
			return err
		}
		f.Failures--
		return tx.SetLoginFailures(ctx, f)
	})
}

// clearFailures forgets the key's counter after a complete login.
func (s *Service) clearFailures(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		return tx.DeleteLoginFailures(ctx, key)
	})
}

// failureFloor makes a failed login last at least cfg.FailureFloor since
// start (checklist B6), so that no kind of failure answers faster than
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
