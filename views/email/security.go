package email

import "gatehouse/internal/auth"

// securityEvents words each audit action that mails the member
// (internal/auth/audit_events.go).
var securityEvents = map[string]string{
	auth.AuditEmailChange:            "The email address was changed",
	auth.AuditMFAEnabled:             "Two-factor authentication was turned on",
	auth.AuditMFADisabled:            "Two-factor authentication was turned off",
	auth.AuditMFARecoveryRegenerated: "New recovery codes were made (the old ones no longer work)",
	auth.AuditMFARecoveryUsed:        "A recovery code was used to sign in",
	auth.AuditPasskeyAdded:           "A passkey was added",
	auth.AuditPasskeyRemoved:         "A passkey was removed",
	auth.AuditProxyStart:             "Someone started a proxy session (acting as you)",
}

// securityEvent is the sentence for an action ("" for one not mailed).
func securityEvent(action string) string { return securityEvents[action] }

// securityNoticeText is the plain-text part of auth.MailSecurityNotice.
func securityNoticeText(p props) string {
	out := []string{greeting(p.Name), "", p.Event + " on your " + p.Product + " account (" + p.When + ")."}
	if p.Detail != "" {
		out = append(out, "", p.Detail)
	}
	out = append(out, "", "If this wasn't you or someone you expected, review your account's security activity now:",
		"", p.Link, "", "- "+p.Product)
	return lines(out...)
}
