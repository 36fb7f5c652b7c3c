package auth

import "time"

// AuditEntry is one line of the audit log: every admin change and every
// proxy login, start, return and refusal (docs/security.md X6). Entries are never
// edited.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   int64  // the member who acted (the real actor in a proxy session); 0 for the CLI
	SubjectID int64  // the member acted upon; 0 when none
	Action    string // one of the Audit* constants
	Detail    string // human-readable, safe to show (no secrets)
	GrantID   int64  // the proxy grant involved, if any
	IP        string
	UserAgent string
	Door      string // the page or dialect the event came through (Door*); "" when unknown
	Result    string // Result*; "" for entries that only record a change
}

// Audit actions.
const (
	AuditMemberCreate = "member.create"
	AuditMemberUpdate = "member.update"
	AuditMemberStatus = "member.status"
	AuditMemberDelete = "member.delete"
	AuditMemberReset  = "member.reset_link"
	AuditMemberEnd    = "member.end_sessions"
	AuditRoles        = "member.roles"
	AuditProxyGrant   = "proxy.grant"
	AuditProxyRevoke  = "proxy.revoke"
	AuditProxyStart   = "proxy.start"
	AuditProxyStop    = "proxy.stop"
	AuditProxyRefused = "proxy.refused"
	AuditProxyWrite   = "proxy.write" // a change made while acting as someone
	AuditGroupCreate  = "group.create"
	AuditGroupUpdate  = "group.update"
	AuditGroupDelete  = "group.delete"
	AuditFileUpload   = "file.upload"
	AuditFileDelete   = "file.delete"
)

// AuditQuery selects audit entries, newest first, before the id Before (0:
// from the newest). MemberID matches actor or subject.
type AuditQuery struct {
	MemberID int64
	Action   string // exact action, or a prefix ending in "." ("proxy.")
	Before   int64
	From, To time.Time // at or after From, before To (zero: unbounded)
	Limit    int
}

// ProxyGrant says ActorID may log in as TargetID (docs/contract.md §9: the
// permission lives on the target).
type ProxyGrant struct {
	ID        int64
	TargetID  int64
	ActorID   int64
	CreatedAt time.Time
	CreatedBy int64 // the admin who granted it; 0 for the CLI
}

// Member list sort keys.
const (
	SortID      = "id"
	SortEmail   = "email"
	SortName    = "name"
	SortCreated = "created"
)

// MemberFilter selects a page of the member editor's list with keyset
// pagination: After is the opaque cursor of the previous page's last row.
type MemberFilter struct {
	Query  string // matches email, name or username (case-insensitive substring or prefix)
	Status Status // "" for any
	Role   RoleID // 0 for any
	Group  int64  // 0 for any
	Sort   string // Sort* (default SortID)
	Desc   bool
	After  string
	Limit  int // default 50, at most 200
}

// MemberPage is one page of members and the cursor of the next page ("" at
// the end).
type MemberPage struct {
	Members []Member
	Next    string
}

// File kinds (docs/contract.md §10).
const (
	FileAvatar     = "avatar"     // the profile image; one per member
	FileAttachment = "attachment" // any number
)

// File is a stored member file. The bytes live under the data directory,
// named by StorageKey (random, never derived from the uploaded name).
type File struct {
	ID          int64
	MemberID    int64
	Kind        string
	Name        string // the safe display/download name
	ContentType string
	Size        int64
	StorageKey  string
	CreatedAt   time.Time
}
