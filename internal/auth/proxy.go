package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Proxy login (docs/contract.md §9, docs/security.md X1–X6): a member A whom a target B
// lists in B's permission list may open a session as B. The session belongs
// to B and records A in Session.ActorID; everything A does in it is audited
// under A. Grants are always evaluated for the real actor, so a proxy session
// can never start another one (no chains).
const (
	// ProxyReauthAge is how old A's own authentication may be when A starts
	// a proxy login (the time A's session was created: a fresh sign-in
	// renews it).
	ProxyReauthAge = 15 * time.Minute
	// ProxyTTL is the default of Config.ProxyMaxAge: a proxy session ends
	// this long after it started, whatever the activity or refreshes.
	ProxyTTL = 60 * time.Minute
	// Bounds of the reason a proxy login must give, in characters.
	proxyReasonMin, proxyReasonMax = 3, 500
)

// proxyReason checks the reason given for a proxy login: 3 to 500
// characters of text once trimmed, shown to the member and to admins.
func proxyReason(reason string) (string, error) {
	r, err := cleanText("reason", "Reason", reason, proxyReasonMax, false)
	if err != nil {
		return "", err
	}
	if n := len([]rune(r)); n < proxyReasonMin {
		return "", FieldError("reason", "Say why you log in as this member (at least 3 characters).")
	}
	return r, nil
}

var (
	// errProxyRefused is the one answer to every refused proxy login: no
	// grant, unknown target, self, inactive or admin target, chain. The
	// body never tells a missing member from a forbidden one (X1).
	errProxyRefused = &Error{Code: EFORBIDDEN, Message: "You are not allowed to log in as this member."}
	// errProxyReauth asks A to sign in again: it is about A's own session,
	// never about the target.
	errProxyReauth = &Error{Code: EFORBIDDEN, Message: "For your security, sign out and sign in again (within the last 15 minutes) before logging in as another member."}
	// errProxyNotActing answers a return from a session that is not a proxy
	// session.
	errProxyNotActing = &Error{Code: EINVALID, Message: "You are not acting as another member."}
	// errProxyGuard refuses account-security changes inside a proxy session
	// (X4): password, email, MFA, sessions, proxy grants, reset requests.
	errProxyGuard = &Error{Code: EFORBIDDEN, Message: "Not available while acting as another member."}
)

// ProxyTargets lists the members the actor may log in as: the targets of
// grants naming a.RealID() that are active and hold no admin role, by id.
// A proxy session gets none (no chains).
func (s *Service) ProxyTargets(ctx context.Context, a Actor) ([]Member, error) {
	if a.CLI || a.Proxied() || a.Member.ID == 0 {
		return nil, nil
	}
	grants, err := s.store.ProxyGrantsForActor(ctx, a.RealID())
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(grants))
	for _, g := range grants {
		m, err := s.store.MemberByID(ctx, g.TargetID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if proxyRefusal(a, m) == "" {
			out = append(out, m)
		}
	}
	return out, nil
}

// proxyRefusal returns why the actor may not log in as target ("" when
// nothing about the target forbids it; the grant is checked separately).
func proxyRefusal(a Actor, target Member) string {
	switch {
	case target.ID == a.RealID():
		return "target is the actor"
	case target.Status != StatusActive:
		return "target is " + string(target.Status)
	case IsAdmin(target):
		// No "admin impersonator" right exists (X3).
		return "target holds an admin role"
	}
	return ""
}

// StartProxy opens a session as targetID for the actor, through the front
// door via (ViaPage or a dialect). It is refused with one identical
// EFORBIDDEN, and the refusal audited, when the actor is already acting as
// someone, has no grant from the target, targets themselves, or the target
// is missing, not active or an admin; and with errProxyReauth when the
// actor's own authentication is older than ProxyReauthAge. The new session
// ends after ProxyTTL regardless of activity. Start and refusal are audited
// with the actor, target, grant, IP and user agent (X6).
//
// reason (3–500 characters, EINVALID on the field "reason" otherwise) is
// why the actor logs in as the target: it is kept on the proxy.start entry,
// shown to the target and to admins, and mailed to the target.
func (s *Service) StartProxy(ctx context.Context, a Actor, targetID int64, via, reason string) (Member, Session, error) {
	target, sess, _, err := s.startProxy(ctx, a, targetID, via, reason, false)
	return target, sess, err
}

// startProxy is StartProxy, minting a kuroco grant token for the new session
// in the same transaction when withGrant.
func (s *Service) startProxy(ctx context.Context, a Actor, targetID int64, via, reason string, withGrant bool) (Member, Session, Grant, error) {
	if a.CLI || a.Member.ID == 0 || a.Session.ID == 0 {
		return Member{}, Session{}, Grant{}, errProxyRefused
	}
	var (
		target  Member
		sess    Session
		g       Grant
		refusal error
	)
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		now := s.clock()
		refuse := func(e *Error, subject int64, why string) error {
			refusal = e
			detail := fmt.Sprintf("%s was refused a login as member #%d: %s", memberLabel(a.Member, a.RealID()), targetID, why)
			if a.Proxied() {
				detail = fmt.Sprintf("member #%d (acting as %s) was refused a login as member #%d: %s", a.RealID(), memberLabel(a.Member, a.Member.ID), targetID, why)
			}
			return s.audit(ctx, tx, a, AuditProxyRefused, subject, detail, 0)
		}
		if a.Proxied() {
			return refuse(errProxyRefused, 0, "already acting as another member")
		}
		t, err := tx.MemberByID(ctx, targetID)
		if isNotFound(err) {
			return refuse(errProxyRefused, 0, "no such member")
		}
		if err != nil {
			return err
		}
		grant, err := tx.ProxyGrantOf(ctx, targetID, a.RealID())
		if isNotFound(err) {
			if t.ID == a.RealID() {
				return refuse(errProxyRefused, t.ID, "target is the actor")
			}
			return refuse(errProxyRefused, t.ID, "no grant")
		}
		if err != nil {
			return err
		}
		if why := proxyRefusal(a, t); why != "" {
			return refuse(errProxyRefused, t.ID, why)
		}
		if now.Sub(a.Session.CreatedAt) > ProxyReauthAge {
			return refuse(errProxyReauth, t.ID, "authentication older than 15 minutes")
		}
		// Only now, so a missing reason tells nothing about a target the
		// actor may not log in as (X1); nothing is written without one.
		reason, err := proxyReason(reason)
		if err != nil {
			return err
		}
		sess = Session{
			MemberID:   t.ID,
			Via:        via,
			ActorID:    a.RealID(),
			IP:         a.Meta.IP,
			UserAgent:  truncate(a.Meta.UserAgent, 512),
			CreatedAt:  now,
			LastUsedAt: now,
			ExpiresAt:  now.Add(s.cfg.ProxyMaxAge),
		}
		if err := tx.CreateSession(ctx, &sess); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s signed in as %s (%s). Reason: %s", memberLabel(a.Member, a.RealID()), memberLabel(t, t.ID), viaName(via), reason)
		if err := s.audit(ctx, tx, a, AuditProxyStart, t.ID, detail, grant.ID); err != nil {
			return err
		}
		if withGrant {
			if g.Token, g.ExpiresAt, err = s.mint(ctx, tx, CredGrant, via, sess, s.cfg.GrantTTL, ""); err != nil {
				return err
			}
		}
		target = t
		return nil
	})
	if err == nil {
		err = refusal
	}
	if err != nil {
		return Member{}, Session{}, Grant{}, err
	}
	return target, sess, g, nil
}

// StopProxy ends the actor's proxy session (the return to A) and audits it.
// The caller restores A's own session that ReturnSession vouches for.
func (s *Service) StopProxy(ctx context.Context, a Actor) error {
	if !a.Proxied() || a.Session.ID == 0 {
		return errProxyNotActing
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.RevokeSession(ctx, a.Session.ID, s.clock()); err != nil && !isNotFound(err) {
			return err
		}
		var grantID int64
		if g, err := tx.ProxyGrantOf(ctx, a.Member.ID, a.RealID()); err == nil {
			grantID = g.ID
		} else if !isNotFound(err) {
			return err
		}
		actorName := fmt.Sprintf("member #%d", a.RealID())
		if m, err := tx.MemberByID(ctx, a.RealID()); err == nil {
			actorName = memberLabel(m, m.ID)
		}
		detail := fmt.Sprintf("%s returned from %s", actorName, memberLabel(a.Member, a.Member.ID))
		return s.audit(ctx, tx, a, AuditProxyStop, a.Member.ID, detail, grantID)
	})
}

// ReturnSession is the session to restore after StopProxy: returnID, the
// actor's own session saved when the proxy session started, if it is still
// alive, is the real actor's and is not itself a proxy session. ok is false
// when there is nothing to restore (returnID 0, or that session has ended).
func (s *Service) ReturnSession(ctx context.Context, a Actor, returnID int64) (m Member, own Session, ok bool, err error) {
	if returnID == 0 {
		return Member{}, Session{}, false, nil
	}
	m, own, err = s.Authenticate(ctx, returnID)
	switch {
	case err == nil && own.ActorID == 0 && m.ID == a.RealID():
		return m, own, true, nil
	case err != nil && ErrorCode(err) != EUNAUTHORIZED:
		return Member{}, Session{}, false, err
	}
	return Member{}, Session{}, false, nil
}

// AliasLogin is kuroco's proxy login (alias_login): the actor's session
// starts a proxy session into targetID under the rules of StartProxy, and
// gets a single-use grant token for it, to exchange at /token. The audit
// records the client of the actor's session.
func (s *Service) AliasLogin(ctx context.Context, actor Session, targetID int64, reason string) (Member, Grant, error) {
	m, err := s.store.MemberByID(ctx, actor.MemberID)
	if isNotFound(err) || (err == nil && m.Status != StatusActive) {
		return Member{}, Grant{}, errProxyRefused
	}
	if err != nil {
		return Member{}, Grant{}, err
	}
	a := Actor{Member: m, Session: actor, Meta: ClientMeta{IP: actor.IP, UserAgent: actor.UserAgent, Door: ViaKuroco}}
	target, _, g, err := s.startProxy(ctx, a, targetID, ViaKuroco, reason, true)
	return target, g, err
}

// ProxyActivity lists the proxy audit entries about the member (logins as
// them, returns, refusals, grants and revocations), newest first, for their
// account page ("A signed in as you at …").
func (s *Service) ProxyActivity(ctx context.Context, memberID int64) ([]AuditEntry, error) {
	const want, pages = 50, 10
	var out []AuditEntry
	q := AuditQuery{MemberID: memberID, Action: "proxy.", Limit: 100}
	// The query also matches the member as an actor; keep paging past those.
	for i := 0; i < pages && len(out) < want; i++ {
		list, err := s.store.ListAudit(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.SubjectID == memberID && strings.HasPrefix(e.Action, "proxy.") && len(out) < want {
				out = append(out, e)
			}
		}
		if len(list) < q.Limit {
			break
		}
		q.Before = list[len(list)-1].ID
	}
	return out, nil
}

// ProxyBanner returns the display names of the real actor and the target of
// a proxy session, for the banner every page shows while acting.
func (s *Service) ProxyBanner(ctx context.Context, sess Session) (actorName, targetName string, err error) {
	if sess.ActorID == 0 {
		return "", "", errProxyNotActing
	}
	actorName, targetName = fmt.Sprintf("member #%d", sess.ActorID), fmt.Sprintf("member #%d", sess.MemberID)
	if m, err := s.store.MemberByID(ctx, sess.ActorID); err == nil {
		actorName = m.DisplayName()
	} else if !isNotFound(err) {
		return "", "", err
	}
	if m, err := s.store.MemberByID(ctx, sess.MemberID); err == nil {
		targetName = m.DisplayName()
	} else if !isNotFound(err) {
		return "", "", err
	}
	return actorName, targetName, nil
}

// GuardProxy refuses account-security changes inside a proxy session
// (docs/security.md X4) for front doors whose form has no use case of its own to
// decide it (the pages' reset request and profile forms): it answers as
// the credential-change use cases do (change.go). A zero, unknown or ended
// session is refused, never let through.
func (s *Service) GuardProxy(ctx context.Context, sessionID int64) error {
	_, err := s.requester(ctx, sessionID)
	return err
}

// proxyAlive reports whether a proxy session may still be used: its grant
// still exists and its real actor is still active. An admin revoking the
// grant, or suspending the actor, ends it on its next request (X1).
func (s *Service) proxyAlive(ctx context.Context, r Reader, sess Session) (bool, error) {
	if sess.ActorID == 0 {
		return true, nil
	}
	if _, err := r.ProxyGrantOf(ctx, sess.MemberID, sess.ActorID); isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	m, err := r.MemberByID(ctx, sess.ActorID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Status == StatusActive, nil
}

// memberLabel names a member in audit details: display name and email.
func memberLabel(m Member, id int64) string {
	if m.ID == 0 {
		return fmt.Sprintf("member #%d", id)
	}
	return fmt.Sprintf("%s <%s>", m.DisplayName(), m.Email)
}

// viaName names a front door in audit details.
func viaName(via string) string {
	if via == ViaPage {
		return "account page"
	}
	return via + " alias_login"
}
