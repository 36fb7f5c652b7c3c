package auth

import (
	"context"
	"time"
)

// Reader is the read side of the store. Lookups that find nothing return an
// *Error with code ENOTFOUND.
type Reader interface {
	MemberByID(ctx context.Context, id int64) (Member, error)
	// MemberByLogin finds a member whose canonical email or username is key
	// (key is already Canonical).
	MemberByLogin(ctx context.Context, key string) (Member, error)
	ListMembers(ctx context.Context, q MemberQuery) ([]Member, error)
	SessionByID(ctx context.Context, id int64) (Session, error)
	// ListSessions returns the member's sessions that are not revoked and not
	// past ExpiresAt at now, newest first.
	ListSessions(ctx context.Context, memberID int64, now time.Time) ([]Session, error)
	TokenByHash(ctx context.Context, hash string) (OneTimeToken, error)
	// ActiveToken returns the member's newest unused token of the kind that
	// has not expired at now.
	ActiveToken(ctx context.Context, memberID int64, kind string, now time.Time) (OneTimeToken, error)
	CredentialByHash(ctx context.Context, hash string) (Credential, error)
	// GroupsOfMember returns the groups the member holds a role in.
	GroupsOfMember(ctx context.Context, memberID int64) ([]Group, error)
	// SigningKeys returns every id_token signing key, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)

	// SearchMembers returns one page of the member editor's list (keyset
	// pagination; fast with 100,000 members).
	SearchMembers(ctx context.Context, f MemberFilter) (MemberPage, error)
	// CountMembersWithRole counts members holding role in the group.
	CountMembersWithRole(ctx context.Context, role RoleID, group int64) (int, error)
	ListGroups(ctx context.Context) ([]Group, error)
	GroupByID(ctx context.Context, id int64) (Group, error)
	// ProxyGrantsForTarget lists who may log in as target; ProxyGrantsForActor
	// whom actor may log in as. ProxyGrantOf finds one grant (ENOTFOUND).
	ProxyGrantsForTarget(ctx context.Context, targetID int64) ([]ProxyGrant, error)
	ProxyGrantsForActor(ctx context.Context, actorID int64) ([]ProxyGrant, error)
	ProxyGrantOf(ctx context.Context, targetID, actorID int64) (ProxyGrant, error)
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	FilesOfMember(ctx context.Context, memberID int64) ([]File, error)
	FileByID(ctx context.Context, id int64) (File, error)
	// ListMail returns the newest outbox mails first.
	ListMail(ctx context.Context, limit int) ([]Mail, error)
	// CountRecentMail counts the outbox mails of the kinds to the address
	// created at or after since (the per-address mail limit, docs/security.md B8).
	CountRecentMail(ctx context.Context, to string, kinds []string, since time.Time) (int, error)
	// RecentRequests counts the forgot-password request rows (MailResetRequest)
	// created at or after since, to the canonical identifier to and/or from
	// the client IP ip (an empty filter is left out), and returns the
	// oldest one's creation time (zero when none).
	RecentRequests(ctx context.Context, to, ip string, since time.Time) (int, time.Time, error)
	// LoginFailures reads the login failure counter under key (ENOTFOUND
	// when there is none).
	LoginFailures(ctx context.Context, key string) (LoginFailure, error)
	// KnownClient returns when the client (a clientKey) last completed a
	// sign-in of the member (ENOTFOUND: never).
	KnownClient(ctx context.Context, memberID int64, client string) (time.Time, error)
	// IdentityOf finds the external identity (provider, subject) (ENOTFOUND
	// when none); IdentitiesOfMember lists a member's, oldest first.
	IdentityOf(ctx context.Context, provider, subject string) (Identity, error)
	IdentitiesOfMember(ctx context.Context, memberID int64) ([]Identity, error)
	// RecoveryCodesLeft counts the member's unused two-factor recovery codes.
	RecoveryCodesLeft(ctx context.Context, memberID int64) (int, error)
	// PasskeysOfMember lists the member's passkeys, oldest first;
	// PasskeyByCredentialID finds one by its WebAuthn credential id
	// (ENOTFOUND when none).
	PasskeysOfMember(ctx context.Context, memberID int64) ([]Passkey, error)
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// ClientByClientID finds an OpenID Provider client (ENOTFOUND when
	// none); ListClients lists every client, oldest first.
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	// OIDCRequestByID and OIDCRequestByCode (the code's SHA-256) find an
	// authorization request (ENOTFOUND when none).
	OIDCRequestByID(ctx context.Context, id string) (OIDCRequest, error)
	OIDCRequestByCode(ctx context.Context, codeHash string) (OIDCRequest, error)
	// ConsentOf returns the scopes the member granted the client
	// (ENOTFOUND when none).
	ConsentOf(ctx context.Context, memberID int64, clientID string) ([]string, error)
	// ConsentsOfMember lists the member's consents with their clients'
	// names, oldest first.
	ConsentsOfMember(ctx context.Context, memberID int64) ([]OIDCConsent, error)
}

// MemberQuery selects a page of members ordered by id.
type MemberQuery struct {
	AfterID int64
	Limit   int
}

// Tx is one writing transaction (BEGIN IMMEDIATE). Reads inside it see its
// own writes.
type Tx interface {
	Reader
	// CreateMember inserts m (and m.Roles) and sets m.ID. A taken email or
	// username is an ECONFLICT *Error whose Fields names "email" or "username".
	CreateMember(ctx context.Context, m *Member) error
	// UpdateMember writes every profile field, the status and UpdatedAt.
	// Password fields and roles are left alone. Conflicts as in CreateMember.
	UpdateMember(ctx context.Context, m Member) error
	SetPassword(ctx context.Context, memberID int64, hash string, changedAt time.Time, status Status) error
	// SetPreferences writes the member's language and time zone ("" for
	// not chosen); the values are checked by the caller.
	SetPreferences(ctx context.Context, memberID int64, language, timeZone string) error
	// SetPasswordHash replaces the hash only (a rehash with new parameters).
	SetPasswordHash(ctx context.Context, memberID int64, hash string) error
	SetRoles(ctx context.Context, memberID int64, roles []RoleGrant) error

	CreateSession(ctx context.Context, s *Session) error
	TouchSession(ctx context.Context, id int64, at time.Time) error
	RevokeSession(ctx context.Context, id int64, at time.Time) error
	// RevokeMemberSessions revokes every live session of the member except
	// exceptID (0: none) and returns how many it revoked.
	RevokeMemberSessions(ctx context.Context, memberID, exceptID int64, at time.Time) (int, error)

	CreateToken(ctx context.Context, t OneTimeToken) error
	// UseToken marks the token used; it is an ENOTFOUND *Error when the token
	// does not exist or is already used.
	UseToken(ctx context.Context, hash string, at time.Time) error
	// DeleteTokens removes the member's unused tokens of the kind.
	DeleteTokens(ctx context.Context, memberID int64, kind string) error
	// AddTokenAttempt counts one failed attempt on the token and returns the
	// new count.
	AddTokenAttempt(ctx context.Context, hash string) (int, error)

	CreateCredential(ctx context.Context, c Credential) error
	// UseCredential marks a single-use credential used; ENOTFOUND when it does
	// not exist or was used already.
	UseCredential(ctx context.Context, hash string, at time.Time) error
	// RotateCredential records that the refresh token hash was replaced by
	// successor; ENOTFOUND when it was rotated already (the caller lost a race).
	RotateCredential(ctx context.Context, hash string, at time.Time, successor string) error
	// AddMint counts one access token minted from the refresh token and
	// returns the new count.
	AddMint(ctx context.Context, hash string) (int, error)
	RevokeCredential(ctx context.Context, hash string, at time.Time) error

	// SetMFA stores the member's TOTP secret (sealed at rest) and whether MFA
	// is on; an empty secret with enabled false turns MFA off.
	SetMFA(ctx context.Context, memberID int64, secret string, enabled bool) error
	// AdvanceMFAStep records step as the last accepted TOTP step; ENOTFOUND
	// when step is not after the stored one (a replay).
	AdvanceMFAStep(ctx context.Context, memberID int64, step int64) error
	// ReplaceRecoveryCodes replaces every recovery code of the member with
	// the hashes (none: the member has no codes left).
	ReplaceRecoveryCodes(ctx context.Context, memberID int64, hashes []string, at time.Time) error
	// UseRecoveryCode removes the member's unused code with the hash;
	// ENOTFOUND when there is none (wrong, or used already).
	UseRecoveryCode(ctx context.Context, memberID int64, hash string) error

	CreateSigningKey(ctx context.Context, k SigningKey) error

	EnqueueMail(ctx context.Context, m Mail) error
	// FinishRequest marks the pending forgot-password request row id done;
	// ENOTFOUND when it is done or dropped already.
	FinishRequest(ctx context.Context, id int64, at time.Time) error

	// SetLoginFailures stores the counter under f.Key, replacing any
	// earlier one; DeleteLoginFailures removes it (absent is fine).
	SetLoginFailures(ctx context.Context, f LoginFailure) error
	DeleteLoginFailures(ctx context.Context, key string) error
	// DeleteMemberFailures removes every counter whose MemberID is the
	// member's.
	DeleteMemberFailures(ctx context.Context, memberID int64) error
	// RememberClient records that the client completed a sign-in of the
	// member at at.
	RememberClient(ctx context.Context, memberID int64, client string, at time.Time) error

	// DeleteMember removes the member and everything that cascades from it
	// (roles, sessions, credentials, grants, files rows); audit entries stay.
	DeleteMember(ctx context.Context, id int64) error
	CreateGroup(ctx context.Context, g *Group) error
	UpdateGroup(ctx context.Context, g Group) error
	// DeleteGroup refuses (ECONFLICT) a group with children or role holders.
	DeleteGroup(ctx context.Context, id int64) error
	// GrantProxy inserts the grant and sets g.ID; an existing identical grant
	// is ECONFLICT.
	GrantProxy(ctx context.Context, g *ProxyGrant) error
	// RevokeProxy deletes the grant (ENOTFOUND when absent).
	RevokeProxy(ctx context.Context, targetID, actorID int64) error
	// RevokeProxySessions revokes the live sessions of target whose actor is
	// actorID (0: every proxy session into target) and returns how many.
	RevokeProxySessions(ctx context.Context, targetID, actorID int64, at time.Time) (int, error)
	AddAudit(ctx context.Context, e *AuditEntry) error
	CreateFile(ctx context.Context, f *File) error
	DeleteFile(ctx context.Context, id int64) error
	// CreatePasskey stores p and sets p.ID: a credential id stored already
	// is ECONFLICT, an unknown member ENOTFOUND. UsePasskey records a
	// sign-in (the new counter, backup state and time); RenamePasskey and
	// DeletePasskey act on the member's passkey id (ENOTFOUND when the
	// member has none such).
	CreatePasskey(ctx context.Context, p *Passkey) error
	UsePasskey(ctx context.Context, id int64, signCount uint32, backupState bool, at time.Time) error
	RenamePasskey(ctx context.Context, memberID, id int64, name string) error
	DeletePasskey(ctx context.Context, memberID, id int64) error
	// CreateClient stores c and sets c.ID (a taken client_id is ECONFLICT);
	// DeleteClient removes it with its requests and consents (ENOTFOUND
	// when absent).
	CreateClient(ctx context.Context, c *Client) error
	DeleteClient(ctx context.Context, clientID string) error
	// CreateOIDCRequest stores r (an unknown client is ENOTFOUND).
	// SignInOIDCRequest records the session that signed in (ENOTFOUND when
	// the request is gone, used or has a code); SetOIDCCode stores the
	// code's hash once, only after the sign-in; UseOIDCRequest marks it used
	// (ENOTFOUND the second time).
	CreateOIDCRequest(ctx context.Context, r OIDCRequest) error
	SignInOIDCRequest(ctx context.Context, id string, sessionID int64, authTime time.Time) error
	SetOIDCCode(ctx context.Context, id, codeHash string) error
	UseOIDCRequest(ctx context.Context, id string, at time.Time) error
	// SetConsent stores (or replaces) the scopes the member granted the
	// client; DeleteConsent removes them (ENOTFOUND when none).
	SetConsent(ctx context.Context, memberID int64, clientID string, scopes []string, at time.Time) error
	DeleteConsent(ctx context.Context, memberID int64, clientID string) error
	Sweeper
}

// Sweeper is the janitor's store side (janitor.go): Sweep deletes at most
// s.Limit rows of s.Target that died before s.Before and returns how many
// it deleted.
type Sweeper interface {
	Sweep(ctx context.Context, s Sweep) (int, error)
	// CreateIdentity inserts the link and sets i.ID; a (provider, subject)
	// already linked is ECONFLICT, an unknown member ENOTFOUND.
	CreateIdentity(ctx context.Context, i *Identity) error
	// DeleteIdentity removes the member's link id (ENOTFOUND when the
	// member has no such link).
	DeleteIdentity(ctx context.Context, memberID, id int64) error
}

// Store is the persistence the domain needs. Update runs fn in one writing
// transaction and commits when fn returns nil; its isolation must make the
// outcome one of some serial order, except that an Update whose ctx is
// RowLocked needs only the row locks described in rowlocks.go.
type Store interface {
	Reader
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// Hasher hashes and verifies passwords.
type Hasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded, and whether encoded
	// should be replaced by a fresh hash (its parameters are outdated).
	Verify(password, encoded string) (ok, rehash bool, err error)
}
