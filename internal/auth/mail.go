package auth

import "time"

// Mail kinds; each has a template in views/email.
const (
	MailReset           = "reset"            // Data: name, link, expires_minutes, temp_password (kuroco, optional)
	MailPasswordChanged = "password_changed" // Data: name, link (to forgot-password)
	MailWelcome         = "welcome"          // Data: name, link (to account)
	MailResetCode       = "reset_code"       // Data: name, code, expires_minutes, link (to the site)
	MailInvite          = "invite"           // Data: link (to the register page)
	MailRegisterAttempt = "register_attempt" // Data: name, link (to forgot-password)
	MailAdminInvite     = "admin_invite"     // Data: name, link (to choose a first password), expires_minutes
	// MailSecurityNotice tells a member of a security change to their
	// account or of a proxy session into it (audit_events.go).
	MailSecurityNotice = "security_notice" // Data: name, link (to /account/activity), event, detail, when
	// MailResetRequest is not a mail: it records a forgot-password request
	// (To: the canonical identifier asked for; Data: door, mode, url). The
	// outbox worker hands it to Service.ResolveRequest instead of sending it.
	MailResetRequest = "reset_request"
)

// Mail is one message in the durable outbox. It is written in the same
// transaction as the change that causes it and sent later by the worker.
type Mail struct {
	ID            int64
	Kind          string
	To            string
	Data          map[string]string
	CreatedAt     time.Time
	NotAfter      time.Time // zero: no deadline; past it the mail is dropped unsent
	NextAttemptAt time.Time
	Attempts      int
	LastError     string
	SentAt        *time.Time
	DroppedAt     *time.Time
	// ClientIP is the address a forgot-password request came from (request
	// rows only): the per-IP limit counts by it.
	ClientIP string
}
