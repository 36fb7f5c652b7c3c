package email

import "gatehouse/internal/auth"

// securityEvents names the catalog key (views/locales) that words each
// audit action that mails the member (internal/auth/audit_events.go).
var securityEvents = map[string]string{
	auth.AuditEmailChange:            "mail.event.email_changed",
	auth.AuditMFAEnabled:             "mail.event.mfa_enabled",
	auth.AuditMFADisabled:            "mail.event.mfa_disabled",
	auth.AuditMFARecoveryRegenerated: "mail.event.recovery_regenerated",
	auth.AuditMFARecoveryUsed:        "mail.event.recovery_used",
	auth.AuditPasskeyAdded:           "mail.event.passkey_added",
	auth.AuditPasskeyRemoved:         "mail.event.passkey_removed",
	auth.AuditProxyStart:             "mail.event.proxy_start",
}

// securityEvent is the sentence for an action in the mail's language ("" for
// one not mailed).
func securityEvent(p props, action string) string {
	key, ok := securityEvents[action]
	if !ok {
		return ""
	}
	return p.t(key)
}

// securityNoticeText is the plain-text part of auth.MailSecurityNotice.
func securityNoticeText(p props) string {
	out := []string{greeting(p), "", p.t("mail.security.event", "Event", p.Event, "When", p.When)}
	if p.Detail != "" {
		out = append(out, "", p.Detail)
	}
	out = append(out, "", p.t("mail.security.review"), "", p.Link, "", "- "+p.Product)
	return lines(out...)
}
