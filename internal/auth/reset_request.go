package auth

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Forgot-password in two steps, so that every door answers in the same work
// whether or not the account exists:
//
//  1. RequestReset (on the request path) validates the input, checks the
//     per-IP and per-address limits by counting recent request rows, and
//     writes ONE outbox row of kind MailResetRequest (To: the canonical
//     identifier; Data: door, mode, reset URL, and for kotive the address as
//     typed), in one transaction. It never looks the member up.
//  2. The outbox worker hands that row to ResolveRequest, which in one
//     transaction resolves the member, decides what to send, creates the
//     token, queues the real mail and marks the request done. The worker
//     then sends the mail like any other. No SMTP inside a transaction.

// ResetLimitWindow is the window of the per-address and per-IP limits of
// forgot-password requests and of the reset, code and invitation mails.
const ResetLimitWindow = time.Hour

// inviteWindow: kotive invites an unknown address at most once per window.
const inviteWindow = 24 * time.Hour

// resetRequestTTL is how long a request row waits for the worker: a request
// still unresolved after it (the worker was down that long) is dropped, as
// its answer promised nothing.
const resetRequestTTL = time.Hour

// modeNames are the modes as recorded in a request row.
var modeNames = map[ResetMode]string{
	ResetLink:             "link",
	ResetLinkTempPassword: "link+temp_password",
	ResetCode:             "code",
	ResetOrInvite:         "reset_or_invite",
}

func modeByName(name string) (ResetMode, bool) {
	for m, n := range modeNames {
		if n == name {
			return m, true
		}
	}
	return 0, false
}

// RequestReset records a forgot-password request for the worker to resolve
// (the mail of req.Mode for a known, active member; see ResolveRequest). The
// answer depends only on the input and on the limits, never on whether the
// account exists: the same validation, the same two counts and the same one
// insert for every address. Beyond the per-IP or per-address limit it is
// ERATELIMIT with RetryAfter, and nothing is recorded.
func (s *Service) RequestReset(ctx context.Context, req ResetRequest) error {
	name, ok := modeNames[req.Mode]
	if !ok {
		return fmt.Errorf("auth: unknown reset mode %d", req.Mode)
	}
	address := ""
	if req.Mode == ResetOrInvite {
		var err error
		if address, err = cleanEmail(req.Identifier); err != nil {
			return err
		}
	}
	key := Canonical(req.Identifier)
	if key == "" || len(key) > maxEmailLen {
		return nil // no account has such an identifier; nothing to record
	}
	if req.URL != "" && !s.resetURLAllowed(req.URL) {
		return errResetURL
	}
	now := s.clock()
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		if err := s.underResetLimit(ctx, tx, "", req.IP, s.cfg.ResetLimitPerIP, now); err != nil {
			return err
		}
		if err := s.underResetLimit(ctx, tx, key, "", s.cfg.ResetLimitPerAddress, now); err != nil {
			return err
		}
		return q.send(ctx, Mail{
			Kind:          MailResetRequest,
			To:            key,
			ClientIP:      req.IP,
			Data:          map[string]string{"door": req.Door, "mode": name, "url": req.URL, "address": address, "ip": req.IP},
			CreatedAt:     now,
			NextAttemptAt: now,
			NotAfter:      now.Add(resetRequestTTL),
		})
	})
}

// errResetLimit is the one answer beyond either limit; it names neither the
// address nor whether it exists.
func errResetLimit(wait time.Duration) error {
	return &Error{Code: ERATELIMIT, Message: "Too many password reset requests. Please try again later.", RetryAfter: wait}
}

// underResetLimit counts the request rows of the window (by identifier or
// by IP) and refuses when limit of them exist already. The wait is until
// the oldest one leaves the window. An empty filter or a negative limit
// (off) checks nothing.
func (s *Service) underResetLimit(ctx context.Context, r Reader, to, ip string, limit int, now time.Time) error {
	if limit < 0 || (to == "" && ip == "") {
		return nil
	}
	n, oldest, err := r.RecentRequests(ctx, to, ip, now.Add(-ResetLimitWindow))
	if err != nil || n < limit {
		return err
	}
	wait := oldest.Add(ResetLimitWindow).Sub(now)
	return errResetLimit(max(wait, time.Second))
}

// ResolveRequest is the outbox worker's step for a MailResetRequest row
// (outbox.Resolver). In one transaction it marks the request done, resolves
// the member and queues what the mode sends: a reset link (with a temporary
// password for kuroco), wme's confirmation code, or for kotive an invitation
// to register when the address is unknown (at most one per address per
// day). Unknown, suspended and invited members get nothing, nor does an
// address over its mail limit. A request resolved already is a no-op.
func (s *Service) ResolveRequest(ctx context.Context, r Mail) error {
	if r.Kind != MailResetRequest {
		return fmt.Errorf("auth: resolve: mail %d is a %q, not a request", r.ID, r.Kind)
	}
	mode, ok := modeByName(r.Data["mode"])
	if !ok {
		return fmt.Errorf("auth: resolve: request %d has an unknown mode %q", r.ID, r.Data["mode"])
	}
	done := false
	err := s.update(ctx, func(tx Tx, q *mailQueue) error {
		if err := tx.FinishRequest(ctx, r.ID, s.clock()); err != nil {
			if isNotFound(err) {
				done = true // another worker got there first
			}
			return err
		}
		m, err := tx.MemberByLogin(ctx, r.To)
		if isNotFound(err) {
			if mode == ResetOrInvite {
				return s.queueInvite(ctx, tx, q, r.To, r.Data["address"])
			}
			return nil
		}
		if err != nil {
			return err
		}
		// Known members only: the entry is written here, by the worker,
		// long after the request was answered the same for everyone.
		if err := s.auditEvent(ctx, tx, event{action: AuditResetRequested, subject: m.ID, result: ResultOK,
			meta: ClientMeta{IP: r.Data["ip"]}, door: r.Data["door"]}); err != nil {
			return err
		}
		if m.Status == StatusSuspended || m.Status == StatusInvited {
			return nil
		}
		if full, err := s.mailLimitReached(ctx, tx, m.Email); err != nil || full {
			return err
		}
		switch mode {
		case ResetCode:
			return s.queueResetCode(ctx, tx, q, m)
		case ResetLinkTempPassword:
			return s.queueResetLink(ctx, tx, q, m, resetLink{base: s.resetBase(r.Data["url"]), ttl: s.cfg.ResetTTL, temp: true, mail: MailReset})
		default:
			return s.queueResetLink(ctx, tx, q, m, resetLink{base: s.resetBase(r.Data["url"]), ttl: s.cfg.ResetTTL, mail: MailReset})
		}
	})
	if done {
		return nil
	}
	return err
}

// resetBase is the page a reset link opens: the request's allow-listed URL
// (checked again: the list may have changed since) or the reset page.
func (s *Service) resetBase(u string) string {
	if u != "" && s.resetURLAllowed(u) {
		return u
	}
	return s.link("/reset-password")
}

// queueInvite queues kotive's invitation to register for the canonical
// address email no member has, unless one went to it within inviteWindow or
// it is over its mail limit. The invitation keeps the address as typed
// (typed; the register page shows it).
func (s *Service) queueInvite(ctx context.Context, tx Tx, q *mailQueue, email, typed string) error {
	if typed == "" {
		typed = email
	}
	n, err := tx.CountRecentMail(ctx, email, []string{MailInvite}, s.clock().Add(-inviteWindow))
	if err != nil || n > 0 {
		return err
	}
	if full, err := s.mailLimitReached(ctx, tx, email); err != nil || full {
		return err
	}
	secret, err := newSecret(s.rand, 32)
	if err != nil {
		return err
	}
	now := s.clock()
	expires := now.Add(s.cfg.InviteTTL)
	if err := tx.CreateToken(ctx, OneTimeToken{Hash: HashToken(secret), Kind: TokenInvite, Email: typed, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return err
	}
	m := s.mail(MailInvite, Member{Email: email}, map[string]string{"link": s.link("/register?invite=" + url.QueryEscape(secret))}, expires)
	m.Data["name"] = ""
	return q.send(ctx, m)
}

// limitedMailKinds are the mails anyone can cause to be sent to an address.
var limitedMailKinds = []string{MailReset, MailResetCode, MailInvite}

// mailLimitReached reports whether the address already got
// Config.ResetLimitPerAddress limited mails within ResetLimitWindow (B8);
// the request limits count what was asked, this counts what was mailed (an
// address reachable by email and by username gets no more mail for that).
func (s *Service) mailLimitReached(ctx context.Context, r Reader, to string) (bool, error) {
	if s.cfg.ResetLimitPerAddress < 0 {
		return false, nil
	}
	n, err := r.CountRecentMail(ctx, to, limitedMailKinds, s.clock().Add(-ResetLimitWindow))
	return n >= s.cfg.ResetLimitPerAddress, err
}
