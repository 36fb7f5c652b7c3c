package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// The one gate (docs/decisions.md, "One gate for every secret"): every check of a secret —
// password, one-time code, reset code, reset or grant token — from every
// door goes through Service.gate, which applies in this order:
//
//  1. the per-IP throttle (failures only);
//  2. the per-account limit: a client that completed a sign-in of the
//     account before has a counter of its own, strangers share the
//     account's counter (OWASP's device-cookie approach; the client is the
//     browser's device cookie, else its IP);
//  3. the check of the secret itself, an unknown account costing the same
//     as a known one;
//  4. the identical failure: same error and at least the same time whether
//     the account exists, is locked out, suspended or the secret was wrong.
//
// Handlers and dialects pass the client and the session they hold; they
// decide nothing. The rules about who may change what (two-factor, proxy
// sessions, re-authentication) follow in guardChange (change.go).

// secretKind selects the counter family of an attempt.
type secretKind int

const (
	secretPassword secretKind = iota // passwords: 10 failures per round
	secretCode                       // TOTP and wme reset codes: 10 per round
	secretToken                      // 256-bit tokens: the per-IP throttle only
)

// attempt is one try at a secret.
type attempt struct {
	kind   secretKind
	meta   ClientMeta
	member Member // the account named; ID 0 when the identifier names none
	ident  string // the canonical identifier, for an unknown account
	// verify evaluates the secret (it may write, e.g. to use up a TOTP
	// step); false means wrong. An error with code EUNAVAILABLE means
	// nothing was evaluated (the hash pool is full).
	verify func(ctx context.Context) (bool, error)
	// failure is the identical answer to every failure of this attempt.
	failure error
	// floor pads failures to Config.FailureFloor.
	floor bool
	// event is the audit action of a failure (AuditSignInFailed,
	// AuditMFAFailed; "" for none). It is written in the transaction that
	// settles the failure, so it costs the failure path nothing more than
	// one insert in a write it makes anyway.
	event string
}

// pass is an attempt that succeeded. Its counters are still reserved: the
// caller settles them with done inside the transaction that completes the
// action, so the success and its effect commit together.
type pass struct {
	counters []counter
	member   int64
	client   string
}

// done settles a successful attempt inside tx: its round starts over and its
// client is remembered as one that signed in to the account.
func (p pass) done(ctx context.Context, tx Tx, s *Service) error {
	if err := s.settle(ctx, tx, p.counters, attemptSucceeded); err != nil {
		return err
	}
	if p.member == 0 || p.client == "" {
		return nil
	}
	return tx.RememberClient(ctx, p.member, p.client, s.clock())
}

// firstFactor is p for a password that was right while the sign-in still
// waits for the second factor: settling it starts the password's round
// over, but does not make its client one that signed in. Otherwise every
// fresh device cookie with the password would get a code counter of its
// own, and codes could be guessed without the account's limit.
func (p pass) firstFactor() pass {
	p.client = ""
	return p
}

// settleAlone settles a successful attempt in its own transaction (for
// callers with nothing to commit with it).
func (s *Service) settleAlone(ctx context.Context, p pass) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error { return p.done(ctx, tx, s) })
}

// gate runs one attempt through the rules above. A password check the hash
// pool could not answer in time is refused first, before anything is
// written or delayed: under a flood, refusals must cost nothing
// (docs/decisions.md, "Admission by expected wait").
func (s *Service) gate(ctx context.Context, a attempt) (p pass, err error) {
	if a.kind == secretPassword {
		if err := s.admit(); err != nil {
			return pass{}, err
		}
	}
	start := time.Now()
	defer func() {
		if err != nil && a.floor && ErrorCode(err) != EUNAVAILABLE {
			s.failureFloor(ctx, start)
		}
	}()
	at, retry, ok, err := s.reserveIP(ctx, a.meta.IP)
	if err != nil {
		return pass{}, err
	}
	if !ok {
		return pass{}, rateLimited(retry)
	}
	counters, client, err := s.countersFor(ctx, a)
	if err == nil {
		err = s.waitForRoom(ctx, counters)
	}
	if err != nil {
		s.releaseIP(ctx, a.meta.IP, at)
		return pass{}, err
	}
	ok, err = a.verify(ctx)
	// Settling must commit whatever happens to the request now.
	bg := context.WithoutCancel(ctx)
	if err != nil && ErrorCode(err) != EINTERNAL {
		// Overloaded (EUNAVAILABLE) and the like: nothing was evaluated,
		// so the attempt is not a failure; give its reservations back.
		s.releaseIP(ctx, a.meta.IP, at)
		if uerr := s.update(bg, func(tx Tx, _ *mailQueue) error {
			return s.settle(bg, tx, counters, attemptSkipped)
		}); uerr != nil {
			return pass{}, uerr
		}
		return pass{}, err
	}
	if err != nil || !ok {
		if uerr := s.update(bg, func(tx Tx, _ *mailQueue) error {
			locked, err := s.settleCounting(bg, tx, counters, attemptFailed)
			if err != nil || a.event == "" {
				return err
			}
			return s.auditFailure(bg, tx, a, locked)
		}); uerr != nil {
			return pass{}, uerr
		}
		if err != nil {
			return pass{}, err
		}
		return pass{}, a.failure
	}
	s.releaseIP(ctx, a.meta.IP, at)
	return pass{counters: counters, member: a.member.ID, client: client}, nil
}

// admit asks the hasher, when it can tell, whether a password check
// arriving now would be answered within its wait bound (pool.go).
func (s *Service) admit() error {
	if a, ok := s.hasher.(interface{ Admit() error }); ok {
		return a.Admit()
	}
	return nil
}

// knownClientAge is how long a client stays known after its last sign-in.
const knownClientAge = 90 * 24 * time.Hour

// countersFor picks the counters of an attempt: for a known account, the
// client's own counter when the client signed in to it before, else the
// account's; for an unknown identifier, the identifier's. Tokens have none.
func (s *Service) countersFor(ctx context.Context, a attempt) ([]counter, string, error) {
	if a.kind == secretToken {
		return nil, "", nil
	}
	if a.member.ID == 0 {
		return []counter{{key: unknownKey(a.ident), threshold: passwordThreshold}}, "", nil
	}
	id := a.member.ID
	account := counter{key: memberKey(id), member: id, threshold: passwordThreshold}
	if a.kind == secretCode {
		account = counter{key: "o:" + strconv.FormatInt(id, 10), member: id, threshold: codeThreshold}
	}
	client := clientKey(a.meta)
	if client == "" {
		return []counter{account}, "", nil
	}
	seen, err := s.store.KnownClient(ctx, id, client)
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	if err == nil && s.clock().Sub(seen) < knownClientAge {
		return []counter{{key: account.key + ":" + client[:16], member: id, threshold: account.threshold}}, client, nil
	}
	return []counter{account}, client, nil
}

// clientKey identifies the client of a request: its device cookie, else its
// IP; only a hash is stored. Empty for callers with neither (the CLI).
func clientKey(m ClientMeta) string {
	var raw string
	switch {
	case m.Device != "" && len(m.Device) <= 128:
		raw = "d:" + m.Device
	case m.IP != "":
		raw = "ip:" + m.IP
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// auditFailure records a failed attempt and, when it started a backoff of a
// known member's counter, the lockout. An unknown account is recorded with
// subject 0 and without the identifier tried: the log reveals nothing about
// who does not exist (docs/decisions.md "Audit events and proxy safeguards").
func (s *Service) auditFailure(ctx context.Context, tx Tx, a attempt, locked bool) error {
	if err := s.auditEvent(ctx, tx, event{action: a.event, subject: a.member.ID, result: ResultFailed, meta: a.meta}); err != nil {
		return err
	}
	if !locked || a.member.ID == 0 {
		return nil
	}
	return s.auditEvent(ctx, tx, event{action: AuditLockout, subject: a.member.ID, result: ResultLocked, meta: a.meta,
		detail: "too many failed attempts; sign-in from unknown devices is paused"})
}
