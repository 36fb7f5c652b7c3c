package auth

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Identity links a member to an account at an external OAuth 2 / OpenID
// Connect provider: (Provider, Subject) names that account.
type Identity struct {
	ID        int64
	MemberID  int64
	Provider  string
	Subject   string
	Email     string // as the provider gave it when linking; display only
	CreatedAt time.Time
}

// ExternalAccount is what a provider asserted about the person signing in,
// after the front door verified it (code exchange, id_token signature,
// nonce). EmailVerified is the provider's own claim.
type ExternalAccount struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// ExternalPolicy is a provider's sign-in rules (AUTH_<P>_ALLOW_PUBLIC_REGISTRATION,
// AUTH_<P>_DEFAULT_ROLE).
type ExternalPolicy struct {
	AllowRegistration bool
	DefaultRole       RoleID // RoleMaker when zero
}

var (
	errExternalNoSubject  = &Error{Code: EINVALID, Message: "The provider did not say who you are (no subject)."}
	errExternalClosed     = &Error{Code: EFORBIDDEN, Message: "No account is linked to this sign-in, and this provider may not create accounts. Sign in with your password and link the provider from your account page."}
	errExternalUnverified = &Error{Code: EFORBIDDEN, Message: "An account with this email exists, but the email is not verified on both sides, so the sign-in cannot be linked to it. Sign in with your password and link the provider from your account page."}
	errExternalNoEmail    = &Error{Code: EFORBIDDEN, Message: "The provider gave no verified email address, so no account can be created with it."}
)

// ExternalLoginTokens signs in with an external account and issues tokens
// like LoginTokenSet. The member is, in this order: the one linked to
// (Provider, Subject); else the member with the same email, linked now,
// only when the provider asserts the email verified and the member's email
// is verified too; else a new member (email verified by the provider,
// DefaultRole in the root group, no password), when the policy allows
// public registration. Anything else is refused with a message saying what
// to do. Lookup, linking, creation, session and tokens are one transaction:
// a refusal writes nothing. A suspended member is ErrSuspended, a temporary
// password ENEWPASSWORD as for any login, and a member with two-factor
// authentication needs otp (EOTP without it), as at every other door.
func (s *Service) ExternalLoginTokens(ctx context.Context, acct ExternalAccount, pol ExternalPolicy, otp string, in LoginInput, reqs ...TokenRequest) (Member, []Tokens, error) {
	acct.Subject = strings.TrimSpace(acct.Subject)
	if acct.Provider == "" || acct.Subject == "" || len(acct.Subject) > 255 {
		return Member{}, nil, errExternalNoSubject
	}
	var (
		m    Member
		sets = make([]Tokens, len(reqs))
		code pass
		// The code of a member with two-factor goes through the gate
		// (gate.go), which has transactions of its own: the first run
		// rolls back at the member's two-factor, the code is checked,
		// and the second run completes the sign-in.
		codeChecked bool
	)
	for {
		err := s.update(ctx, func(tx Tx, q *mailQueue) error {
			var err error
			if m, err = s.externalMember(ctx, tx, acct, pol); err != nil {
				return err
			}
			if err := externalStatus(m); err != nil {
				return err
			}
			if m.MFAEnabled && !codeChecked {
				return errNeedsOTP
			}
			if err := code.done(ctx, tx, s); err != nil {
				return err
			}
			sess, err := s.openSession(ctx, tx, m.ID, in.Via, in.Meta, m.MFAEnabled)
			if err != nil {
				return err
			}
			for i, r := range reqs {
				if sets[i], err = s.issueSet(ctx, tx, sess, r); err != nil {
					return err
				}
			}
			return nil
		})
		if errors.Is(err, errNeedsOTP) && !codeChecked {
			if otp == "" {
				return Member{}, nil, errOTPRequired
			}
			if code, err = s.checkCode(ctx, m, otp, in.Meta); err != nil {
				return Member{}, nil, err
			}
			codeChecked = true
			continue
		}
		if err != nil {
			return Member{}, nil, err
		}
		return m, sets, nil
	}
}

// errNeedsOTP rolls back a pages sign-in whose member has two-factor
// authentication: nothing is linked until the code is given.
var errNeedsOTP = errors.New("auth: one-time password needed")

// ExternalLogin is the pages' sign-in with an external account: the member
// is found, linked or created as in ExternalLoginTokens, and gets a browser
// session. A member with two-factor authentication gets the EOTP challenge
// that the one-time password page completes (CompleteMFA), as after a
// password; then nothing is linked or written but that challenge.
func (s *Service) ExternalLogin(ctx context.Context, acct ExternalAccount, pol ExternalPolicy, meta ClientMeta) (Member, Session, error) {
	acct.Subject = strings.TrimSpace(acct.Subject)
	if acct.Provider == "" || acct.Subject == "" || len(acct.Subject) > 255 {
		return Member{}, Session{}, errExternalNoSubject
	}
	var (
		m    Member
		sess Session
	)
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		if m, err = s.externalMember(ctx, tx, acct, pol); err != nil {
			return err
		}
		if err := externalStatus(m); err != nil {
			return err
		}
		if m.MFAEnabled {
			return errNeedsOTP
		}
		sess, err = s.openSession(ctx, tx, m.ID, ViaPage, meta, false)
		return err
	})
	if errors.Is(err, errNeedsOTP) {
		challenge, err := s.challenge(ctx, m, TokenMFA, mfaPendingTTL)
		if err != nil {
			return Member{}, Session{}, err
		}
		return Member{}, Session{}, &Error{Code: EOTP, Message: "Enter the code from your authenticator app.", Challenge: challenge}
	}
	if err != nil {
		return Member{}, Session{}, err
	}
	return m, sess, nil
}

// externalStatus refuses members who may not sign in.
func externalStatus(m Member) error {
	switch m.Status {
	case StatusActive:
		return nil
	case StatusSuspended:
		return ErrSuspended
	}
	return errInvalidCredentials
}

// externalMember finds, links or creates the member of acct inside tx.
func (s *Service) externalMember(ctx context.Context, tx Tx, acct ExternalAccount, pol ExternalPolicy) (Member, error) {
	link, err := tx.IdentityOf(ctx, acct.Provider, acct.Subject)
	if err == nil {
		return tx.MemberByID(ctx, link.MemberID)
	}
	if !isNotFound(err) {
		return Member{}, err
	}
	email, emailErr := cleanEmail(acct.Email)
	hasEmail := emailErr == nil
	if hasEmail {
		m, err := tx.MemberByLogin(ctx, Canonical(email))
		switch {
		case err == nil && acct.EmailVerified && m.EmailVerified:
			return m, s.linkIdentity(ctx, tx, m.ID, acct, email)
		case err == nil:
			return Member{}, errExternalUnverified
		case !isNotFound(err):
			return Member{}, err
		}
	}
	if !pol.AllowRegistration {
		return Member{}, errExternalClosed
	}
	if !hasEmail || !acct.EmailVerified {
		return Member{}, errExternalNoEmail
	}
	return s.createExternalMember(ctx, tx, acct, pol, email)
}

// createExternalMember creates a member for acct, with no password (it
// signs in with the provider, or sets one through a reset link).
func (s *Service) createExternalMember(ctx context.Context, tx Tx, acct ExternalAccount, pol ExternalPolicy, email string) (Member, error) {
	name, err := cleanText("name", "Name", acct.Name, maxNameLen, false)
	if err != nil {
		name = ""
	}
	role := pol.DefaultRole
	if role == 0 || role.Label() == "Unknown" {
		role = RoleMaker
	}
	now := s.clock()
	m := Member{Email: email, EmailVerified: true, Name: name, Status: StatusActive,
		Roles: []RoleGrant{{Group: RootGroup, Role: role}}, CreatedAt: now, UpdatedAt: now}
	m.FirstName, m.LastName = SplitName(name)
	if err := createMember(ctx, tx, &m); err != nil {
		return Member{}, err
	}
	return m, s.linkIdentity(ctx, tx, m.ID, acct, email)
}

func (s *Service) linkIdentity(ctx context.Context, tx Tx, memberID int64, acct ExternalAccount, email string) error {
	return tx.CreateIdentity(ctx, &Identity{MemberID: memberID, Provider: acct.Provider, Subject: acct.Subject, Email: email, CreatedAt: s.clock()})
}

// Identities lists the member's linked external accounts.
func (s *Service) Identities(ctx context.Context, memberID int64) ([]Identity, error) {
	return s.store.IdentitiesOfMember(ctx, memberID)
}

var (
	errIdentityTaken = &Error{Code: ECONFLICT, Message: "This account at the provider is linked to another member."}
	errLastSignIn    = &Error{Code: EFORBIDDEN, Message: "This is your only way to sign in. Set a password first (Forgot password? mails a link) or link another provider."}
)

// LinkIdentity links an external account to the signed-in member, who just
// signed in at the provider (so no email rule applies). A link the member
// has already is fine; one of another member is ECONFLICT. A proxy session
// may not change how the member signs in (docs/security.md X4).
func (s *Service) LinkIdentity(ctx context.Context, memberID, sessionID int64, acct ExternalAccount) error {
	if err := s.GuardProxy(ctx, sessionID); err != nil {
		return err
	}
	acct.Subject = strings.TrimSpace(acct.Subject)
	if acct.Provider == "" || acct.Subject == "" || len(acct.Subject) > 255 {
		return errExternalNoSubject
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		link, err := tx.IdentityOf(ctx, acct.Provider, acct.Subject)
		switch {
		case err == nil && link.MemberID == memberID:
			return nil
		case err == nil:
			return errIdentityTaken
		case !isNotFound(err):
			return err
		}
		email, _ := cleanEmail(acct.Email)
		return tx.CreateIdentity(ctx, &Identity{MemberID: memberID, Provider: acct.Provider, Subject: acct.Subject, Email: email, CreatedAt: s.clock()})
	})
}

// UnlinkIdentity removes one of the member's links, unless it is the last
// way to sign in (no password and no other link). A proxy session may not.
func (s *Service) UnlinkIdentity(ctx context.Context, memberID, sessionID, identityID int64) error {
	if err := s.GuardProxy(ctx, sessionID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		links, err := tx.IdentitiesOfMember(ctx, memberID)
		if err != nil {
			return err
		}
		if m.PasswordHash == "" && len(links) <= 1 {
			for _, l := range links {
				if l.ID == identityID {
					return errLastSignIn
				}
			}
		}
		return tx.DeleteIdentity(ctx, memberID, identityID)
	})
}
