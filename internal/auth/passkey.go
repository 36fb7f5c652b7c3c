package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Passkeys (docs/decisions.md, "Passkeys"): WebAuthn credentials a member
// registers from the account page and signs in with, without a password.
//
//   - Sign-in uses discoverable credentials: the options name no credential,
//     the authenticator returns the credential id and the user handle, an
//     opaque random per-member id (never the email) shared by all of the
//     member's passkeys.
//   - The relying-party id is the host of Config.BaseURL and the only origin
//     its scheme://host[:port].
//   - User verification is required, so a passkey sign-in is two factors by
//     itself: it opens a session that passed the second factor.
//   - A signature counter that goes backwards (when either side is not zero)
//     is refused and audited; the backup-eligible flag may never change.
//   - Ceremony state (the challenge) stays on the server (the browser
//     session) and lives five minutes; the caller hands it back once.
//   - Registering needs a session of the member (never a proxy session)
//     opened within the last ten minutes, and one that passed the second
//     factor when the member has two-factor on.

// Passkey is one registered WebAuthn credential of a member.
type Passkey struct {
	ID              int64
	MemberID        int64
	CredentialID    []byte
	UserHandle      []byte // the member's opaque WebAuthn user handle
	PublicKey       []byte // COSE key
	AttestationType string
	AAGUID          []byte
	SignCount       uint32
	Transports      []string
	BackupEligible  bool
	BackupState     bool
	Name            string
	CreatedAt       time.Time
	LastUsedAt      *time.Time
}

// Audit actions of passkeys.
const (
	// passkey.added and passkey.removed mail the member (audit_events.go).
	AuditPasskeyRenamed = "passkey.renamed"
	// AuditPasskeyCounter records a refused sign-in whose signature counter
	// went backwards (a possibly cloned authenticator).
	AuditPasskeyCounter = "passkey.counter_regressed"
	// AuditDetailPasskey is the detail of an AuditSignIn by passkey.
	AuditDetailPasskey = "passkey"
)

const (
	passkeyCeremonyTTL  = 5 * time.Minute
	passkeyRecentSignIn = 10 * time.Minute
	maxPasskeyName      = 64
	maxPasskeys         = 20
	maxPasskeyResponse  = 64 << 10
	passkeyHandleBytes  = 32
)

var (
	errPasskeyRecent   = &Error{Code: EFORBIDDEN, Message: "For your security, sign in again before adding a passkey."}
	errPasskeyCeremony = &Error{Code: EUNAUTHORIZED, Message: "This passkey request has expired. Please try again."}
	errPasskeyRefused  = &Error{Code: EUNAUTHORIZED, Message: "This passkey was not accepted."}
	errPasskeyMax      = &Error{Code: ECONFLICT, Message: "You have the most passkeys an account may have; remove one first."}
)

// Ceremony kinds.
const (
	ceremonyRegister = "register"
	ceremonyLogin    = "login"
	ceremonySecond   = "second" // a passkey as the second factor after a password
)

// passkeyCeremony is the server-side state of one ceremony, kept by the
// caller (the browser session) as the opaque string the Begin methods return.
type passkeyCeremony struct {
	Kind      string               `json:"kind"`
	MemberID  int64                `json:"member,omitempty"`
	SessionID int64                `json:"session,omitempty"`
	Handle    []byte               `json:"handle,omitempty"`
	Expires   time.Time            `json:"expires"`
	Data      webauthn.SessionData `json:"data"`
}

func (s *Service) sealCeremony(c passkeyCeremony, data *webauthn.SessionData) (string, error) {
	c.Expires = s.clock().Add(passkeyCeremonyTTL)
	c.Data = *data
	b, err := json.Marshal(c)
	return string(b), err
}

// openCeremony reads state back; anything unreadable, of another kind or
// expired is errPasskeyCeremony.
func (s *Service) openCeremony(state, kind string) (passkeyCeremony, error) {
	var c passkeyCeremony
	if state == "" || len(state) > maxPasskeyResponse || json.Unmarshal([]byte(state), &c) != nil ||
		c.Kind != kind || !s.clock().Before(c.Expires) {
		return passkeyCeremony{}, errPasskeyCeremony
	}
	return c, nil
}

// errPasskeysOff: the base URL's host cannot be a relying-party id (an IP
// address, or no host at all), so this server offers no passkeys.
var errPasskeysOff = &Error{Code: EFORBIDDEN, Message: "Passkeys are not available here: the server must be reached by a domain name (GATEHOUSE_BASE_URL)."}

// relyingParty builds the WebAuthn relying party from Config.BaseURL.
func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	u, err := url.Parse(s.cfg.BaseURL)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return nil, errPasskeysOff
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyCeremonyTTL, TimeoutUVD: passkeyCeremonyTTL}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: s.cfg.ProductName,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, errPasskeysOff
	}
	return rp, nil
}

// passkeyUser is a member as go-webauthn sees it.
type passkeyUser struct {
	m      Member
	handle []byte
	keys   []Passkey
}

func (u passkeyUser) WebAuthnID() []byte          { return u.handle }
func (u passkeyUser) WebAuthnName() string        { return u.m.Email }
func (u passkeyUser) WebAuthnDisplayName() string { return u.m.DisplayName() }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.keys))
	for _, p := range u.keys {
		out = append(out, p.credential())
	}
	return out
}

// credential is p as go-webauthn's credential record.
func (p Passkey) credential() webauthn.Credential {
	tr := make([]protocol.AuthenticatorTransport, 0, len(p.Transports))
	for _, t := range p.Transports {
		tr = append(tr, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID:              p.CredentialID,
		PublicKey:       p.PublicKey,
		AttestationType: p.AttestationType,
		Transport:       tr,
		Flags:           webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator:   webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
	}
}

// checkPasskeyUse applies the rules on a verified assertion of stored
// (docs/decisions.md, "Passkeys"): the counter must move forward unless both
// are zero (go-webauthn's UpdateCounter sets CloneWarning otherwise), and
// the backup-eligible flag must not change. It returns the counter error
// separately, since that one is audited.
func checkPasskeyUse(stored Passkey, got *webauthn.Credential) (counter bool, ok bool) {
	if got == nil || !bytes.Equal(got.ID, stored.CredentialID) {
		return false, false
	}
	if got.Authenticator.CloneWarning {
		return true, false
	}
	if got.Flags.BackupEligible != stored.BackupEligible {
		return false, false
	}
	return false, true
}

// PasskeyName checks and trims a passkey name (field "name").
func PasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", FieldError("name", "Give the passkey a name.")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxPasskeyName || strings.ContainsAny(name, "\x00\r\n\t") {
		return "", FieldError("name", "Use at most 64 characters, on one line.")
	}
	return name, nil
}

// passkeyRequester loads a session allowed to change the member's passkeys:
// live, not a proxy session, and past the second factor when the member
// has two-factor on.
func (s *Service) passkeyRequester(ctx context.Context, sessionID int64) (Member, Session, error) {
	sess, err := s.requester(ctx, sessionID)
	if err != nil {
		return Member{}, Session{}, err
	}
	m, err := s.store.MemberByID(ctx, sess.MemberID)
	if err != nil {
		return Member{}, Session{}, err
	}
	if m.MFAEnabled && !sess.MFA {
		return Member{}, Session{}, errNeedSecondFactor
	}
	return m, sess, nil
}

// Passkeys lists the member's passkeys, oldest first.
func (s *Service) Passkeys(ctx context.Context, memberID int64) ([]Passkey, error) {
	return s.store.PasskeysOfMember(ctx, memberID)
}

// BeginPasskeyRegistration starts adding a passkey for the member of the
// session: it returns the options for navigator.credentials.create (JSON)
// and the ceremony state the caller keeps server-side for
// FinishPasskeyRegistration.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, sessionID int64) (options []byte, state string, err error) {
	m, sess, err := s.passkeyRequester(ctx, sessionID)
	if err != nil {
		return nil, "", err
	}
	if s.clock().Sub(sess.CreatedAt) > passkeyRecentSignIn {
		return nil, "", errPasskeyRecent
	}
	keys, err := s.store.PasskeysOfMember(ctx, m.ID)
	if err != nil {
		return nil, "", err
	}
	if len(keys) >= maxPasskeys {
		return nil, "", errPasskeyMax
	}
	var handle []byte
	if len(keys) > 0 {
		handle = keys[0].UserHandle
	} else {
		handle = make([]byte, passkeyHandleBytes)
		if _, err := io.ReadFull(s.rand, handle); err != nil {
			return nil, "", err
		}
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, "", err
	}
	user := passkeyUser{m: m, handle: handle, keys: keys}
	creation, data, err := rp.BeginRegistration(user,
		webauthn.WithExclusions(webauthn.Credentials(user.WebAuthnCredentials()).CredentialDescriptors()),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return nil, "", Errorf(EINTERNAL, "Could not start adding a passkey.")
	}
	state, err = s.sealCeremony(passkeyCeremony{Kind: ceremonyRegister, MemberID: m.ID, SessionID: sess.ID, Handle: handle}, data)
	if err != nil {
		return nil, "", err
	}
	options, err = json.Marshal(creation)
	return options, state, err
}

// FinishPasskeyRegistration verifies the authenticator's answer (the JSON of
// the PublicKeyCredential) against the ceremony state and stores the passkey
// under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, sessionID int64, state, name string, response []byte, meta ClientMeta) (Passkey, error) {
	name, err := PasskeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	c, err := s.openCeremony(state, ceremonyRegister)
	if err != nil {
		return Passkey{}, err
	}
	m, sess, err := s.passkeyRequester(ctx, sessionID)
	if err != nil {
		return Passkey{}, err
	}
	if c.MemberID != m.ID || c.SessionID != sess.ID {
		return Passkey{}, errPasskeyCeremony
	}
	if len(response) == 0 || len(response) > maxPasskeyResponse {
		return Passkey{}, errPasskeyRefused
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Passkey{}, errPasskeyRefused
	}
	rp, err := s.relyingParty()
	if err != nil {
		return Passkey{}, err
	}
	keys, err := s.store.PasskeysOfMember(ctx, m.ID)
	if err != nil {
		return Passkey{}, err
	}
	cred, err := rp.CreateCredential(passkeyUser{m: m, handle: c.Handle, keys: keys}, c.Data, parsed)
	if err != nil {
		return Passkey{}, errPasskeyRefused
	}
	tr := make([]string, 0, len(cred.Transport))
	for _, t := range cred.Transport {
		tr = append(tr, string(t))
	}
	p := Passkey{
		MemberID:        m.ID,
		CredentialID:    cred.ID,
		UserHandle:      c.Handle,
		PublicKey:       cred.PublicKey,
		AttestationType: cred.AttestationType,
		AAGUID:          cred.Authenticator.AAGUID,
		SignCount:       cred.Authenticator.SignCount,
		Transports:      tr,
		BackupEligible:  cred.Flags.BackupEligible,
		BackupState:     cred.Flags.BackupState,
		Name:            name,
		CreatedAt:       s.clock(),
	}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if keys, err := tx.PasskeysOfMember(ctx, m.ID); err != nil {
			return err
		} else if len(keys) >= maxPasskeys {
			return errPasskeyMax
		}
		if err := tx.CreatePasskey(ctx, &p); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditPasskeyAdded, m.ID, name, 0)
	})
	return p, err
}

// RenamePasskey renames one of the member's passkeys.
func (s *Service) RenamePasskey(ctx context.Context, sessionID, id int64, name string, meta ClientMeta) error {
	name, err := PasskeyName(name)
	if err != nil {
		return err
	}
	m, sess, err := s.passkeyRequester(ctx, sessionID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		if err := tx.RenamePasskey(ctx, m.ID, id, name); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditPasskeyRenamed, m.ID, name, 0)
	})
}

// RemovePasskey deletes one of the member's passkeys.
func (s *Service) RemovePasskey(ctx context.Context, sessionID, id int64, meta ClientMeta) error {
	m, sess, err := s.passkeyRequester(ctx, sessionID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var name string
		keys, err := tx.PasskeysOfMember(ctx, m.ID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.ID == id {
				name = k.Name
			}
		}
		if err := tx.DeletePasskey(ctx, m.ID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Member: m, Session: sess, Meta: meta}, AuditPasskeyRemoved, m.ID, name, 0)
	})
}
