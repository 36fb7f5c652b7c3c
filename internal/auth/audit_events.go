package auth

import (
	"context"
	"time"
)

// Authentication events (docs/decisions.md "Audit events and proxy
// safeguards"): every one is an audit entry written here in internal/auth,
// in the transaction of the change it records, never by a handler.
const (
	AuditSignIn         = "auth.signin"
	AuditSignInFailed   = "auth.signin_failed" // SubjectID 0 for an unknown account; the identifier is not stored
	AuditMFAFailed      = "auth.mfa_failed"
	AuditSignOut        = "auth.signout"
	AuditSessionEnded   = "auth.session_ended" // ended by someone else, or "sign out everywhere"
	AuditLockout        = "auth.lockout"
	AuditResetRequested = "reset.requested" // known members only
	AuditResetUsed      = "reset.used"
	AuditPasswordChange = "password.changed"
	AuditEmailChange    = "email.changed"
	// Recorded by the passkey code with the plain audit helper; named here
	// because they mail the member (securityMail), as do the two-factor
	// actions of recovery.go.
	AuditPasskeyAdded   = "passkey.added"
	AuditPasskeyRemoved = "passkey.removed"
)

// DoorCLI labels entries written by the command line.
const DoorCLI = ViaCLI

// Audit results.
const (
	ResultOK      = "ok"
	ResultFailed  = "failed"
	ResultRefused = "refused"
	ResultLocked  = "locked"
)

// event is one authentication event for auditEvent.
type event struct {
	action  string
	subject int64 // the member concerned; 0 when unknown (never reveal who)
	actor   int64 // who acted, when not the subject (admin, proxy actor)
	result  string
	detail  string
	grant   int64
	meta    ClientMeta
	door    string // overrides meta.Door (a session's own door)
}

// auditEvent writes e inside tx through the same path as every audit entry
// (so the member's mail, when the action calls for one, is queued too).
func (s *Service) auditEvent(ctx context.Context, tx Tx, e event) error {
	actor := e.actor
	if actor == 0 {
		actor = e.subject
	}
	door := e.door
	if door == "" {
		door = e.meta.Door
	}
	return s.addAudit(ctx, tx, &AuditEntry{
		At:        s.clock(),
		ActorID:   actor,
		SubjectID: e.subject,
		Action:    e.action,
		Detail:    e.detail,
		GrantID:   e.grant,
		IP:        e.meta.IP,
		UserAgent: truncate(e.meta.UserAgent, 512),
		Door:      door,
		Result:    e.result,
	})
}

// securityMailFor maps the actions that tell the member by mail to the mail
// kind: a change of their password, email, second factor or passkeys, and
// someone starting a proxy session into their account.
var securityMailFor = map[string]string{
	AuditPasswordChange: MailPasswordChanged,
	AuditEmailChange:    MailSecurityNotice,
	AuditMFAEnabled:     MailSecurityNotice,
	AuditMFADisabled:    MailSecurityNotice,
	// New recovery codes replace the old ones; one used is one fewer.
	AuditMFARecoveryRegenerated: MailSecurityNotice,
	AuditMFARecoveryUsed:        MailSecurityNotice,
	AuditPasskeyAdded:           MailSecurityNotice,
	AuditPasskeyRemoved:         MailSecurityNotice,
	AuditProxyStart:             MailSecurityNotice,
}

// emailChanged records that m's email changed from old (how: who changed
// it), which mails the new address (securityMail), and tells the old
// address too: if someone else took the account over, the old address is
// where its owner still reads mail.
func (s *Service) emailChanged(ctx context.Context, tx Tx, a Actor, m Member, old, how string) error {
	e := &AuditEntry{At: s.clock(), Action: AuditEmailChange, Detail: "changed " + how + " from " + old + " to " + m.Email}
	if err := s.audit(ctx, tx, a, e.Action, m.ID, e.Detail, 0); err != nil {
		return err
	}
	was := m
	was.Email = old
	return s.queueNotice(ctx, tx, MailSecurityNotice, was, e)
}

// addAudit is the one writer of audit entries: it stores e and, when its
// action is one the member must hear about, queues that mail in the same
// transaction (securityMail).
func (s *Service) addAudit(ctx context.Context, tx Tx, e *AuditEntry) error {
	if err := tx.AddAudit(ctx, e); err != nil {
		return err
	}
	return s.securityMail(ctx, tx, e)
}

// securityMail queues the notice of e for its subject, if e calls for one,
// at the address on file after the change (emailChanged tells the old one).
func (s *Service) securityMail(ctx context.Context, tx Tx, e *AuditEntry) error {
	kind, ok := securityMailFor[e.Action]
	if !ok || e.SubjectID == 0 {
		return nil
	}
	m, err := tx.MemberByID(ctx, e.SubjectID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.queueNotice(ctx, tx, kind, m, e)
}

// queueNotice queues the mail of kind telling to about e, in tx.
func (s *Service) queueNotice(ctx context.Context, tx Tx, kind string, to Member, e *AuditEntry) error {
	data := map[string]string{"link": s.link("/forgot-password")}
	if kind == MailSecurityNotice {
		data = map[string]string{
			"link":   s.link("/account/activity"),
			"event":  e.Action,
			"detail": e.Detail,
			"when":   e.At.In(to.Location()).Format("2006-01-02 15:04 MST"),
		}
	}
	if err := tx.EnqueueMail(ctx, s.mail(kind, to, data, e.At.Add(24*time.Hour))); err != nil {
		return err
	}
	s.pendingMail(tx)
	return nil
}
