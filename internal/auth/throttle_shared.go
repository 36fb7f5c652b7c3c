package auth

import (
	"context"
	"time"
)

// With several nodes on one database, the per-IP throttle must count every
// node's attempts, or an attacker multiplies the limit by the number of
// nodes. A store shared by nodes (internal/postgres) offers the attempts
// table below, and the service then keeps the sliding window there: each
// attempt is a row, counted and added in one transaction, so concurrent
// attempts on different nodes cannot overrun the limit. A single-process
// store (SQLite) keeps the in-memory throttle of throttle.go, which costs
// no write.

// SharedStore is implemented by stores that several Gatehouse processes use
// at once; it selects the database-backed per-IP throttle.
type SharedStore interface {
	// SharedAcrossNodes reports that other processes use the same data.
	SharedAcrossNodes() bool
}

// IPAttemptTx is what a shared store's transaction offers for the per-IP
// throttle: attempts keyed by client IP, each with the time it was made.
type IPAttemptTx interface {
	// PruneIPAttempts deletes ip's attempts made before before.
	PruneIPAttempts(ctx context.Context, ip string, before time.Time) error
	// IPAttempts counts ip's attempts and returns the oldest one's time.
	IPAttempts(ctx context.Context, ip string) (n int, oldest time.Time, err error)
	// AddIPAttempt records an attempt and returns its id.
	AddIPAttempt(ctx context.Context, ip string, at time.Time) (int64, error)
	// DeleteIPAttempt removes one attempt (the login succeeded).
	DeleteIPAttempt(ctx context.Context, id int64) error
}

// ipReservation is a slot taken on the per-IP throttle, given back by
// releaseIP when the attempt does not count.
type ipReservation struct {
	at time.Time // in-memory throttle
	id int64     // shared throttle
}

// sharedThrottle reports whether the per-IP throttle lives in the store.
func (s *Service) sharedThrottle() bool {
	sh, ok := s.store.(SharedStore)
	return ok && sh.SharedAcrossNodes() && s.ips != nil && s.ips.limit > 0
}

// reserveIP counts one attempt from ip, or says how long to wait.
func (s *Service) reserveIP(ctx context.Context, ip string) (r ipReservation, retry time.Duration, ok bool, err error) {
	if !s.sharedThrottle() || ip == "" {
		at, retry, ok := s.ips.reserve(ip)
		return ipReservation{at: at}, retry, ok, nil
	}
	window := s.ips.window
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		at, ok2 := tx.(IPAttemptTx)
		if !ok2 {
			return Errorf(EINTERNAL, "auth: the shared store keeps no IP attempts")
		}
		now := s.now()
		if err := at.PruneIPAttempts(ctx, ip, now.Add(-window)); err != nil {
			return err
		}
		n, oldest, err := at.IPAttempts(ctx, ip)
		if err != nil {
			return err
		}
		if n >= s.ips.limit {
			ok, retry = false, max(oldest.Add(window).Sub(now), time.Second)
			return nil
		}
		id, err := at.AddIPAttempt(ctx, ip, now)
		r, ok = ipReservation{id: id}, true
		return err
	})
	return r, retry, ok, err
}

// releaseIP gives back a slot reserveIP took (the login succeeded, or
// nothing was evaluated).
func (s *Service) releaseIP(ctx context.Context, ip string, r ipReservation) {
	if r.id == 0 {
		s.ips.release(ip, r.at)
		return
	}
	// A slot that cannot be given back stays counted until the window
	// passes: the safe side of a failure.
	_ = s.update(context.WithoutCancel(ctx), func(tx Tx, _ *mailQueue) error {
		if at, ok := tx.(IPAttemptTx); ok {
			return at.DeleteIPAttempt(ctx, r.id)
		}
		return nil
	})
}
