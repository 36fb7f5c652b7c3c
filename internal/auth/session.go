package auth

import "time"

// Via names the front door that created a session.
const (
	ViaPage = "page"
	ViaCLI  = "cli"
)

// Session is one login of one member, whichever door it came through. Every
// credential (browser cookie, API token) points at a session, so revoking the
// session revokes them all on their next use.
type Session struct {
	ID         int64
	MemberID   int64
	Via        string // ViaPage or a dialect name
	ActorID    int64  // the real member behind a proxy session; 0 when none
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
	RevokedAt  *time.Time
	// MFA reports that a second factor was passed when the session opened.
	// A member with two-factor on may change credentials only from such a
	// session, or by giving a code with the change (change.go).
	MFA bool
	// AMR are the RFC 8176 methods the sign-in used ("pwd", "otp", "hwk");
	// empty when it was not recorded (docs/decisions.md, "Sign in with
	// Gatehouse").
	AMR []string
}

// Active reports whether the session may still be used at now, given the idle
// timeout (zero means no idle limit).
func (s Session) Active(now time.Time, idle time.Duration) bool {
	if s.RevokedAt != nil || !now.Before(s.ExpiresAt) {
		return false
	}
	if idle > 0 && now.Sub(s.LastUsedAt) > idle {
		return false
	}
	return true
}

// ClientMeta describes the client making a request, for sessions and audit.
type ClientMeta struct {
	IP        string
	UserAgent string
	// Device is the browser's device cookie (empty for clients without
	// one). With it, the gate tells a browser that signed in before from a
	// stranger at the same address (gate.go).
	Device    string
	FetchSite string // the browser's Sec-Fetch-Site ("" from non-browser clients); see crosssite.go
	// Door labels the page or dialect the request came through (ViaPage,
	// Via*, DoorCLI) for the audit log; doors only label, the rules stay here.
	Door string
}
