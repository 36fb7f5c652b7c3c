package auth

import (
	"context"
	"errors"
	"strings"
	"time"
)

// RegisterInput is a self-service sign-up.
type RegisterInput struct {
	Name      string
	FirstName string // optional; with LastName empty too, split from Name (names.go)
	LastName  string
	Email     string
	Username  string // optional; defaults to the canonical email
	Password  string
	Confirm   *string // when set, must equal Password
	Invite    string  // invitation token: the email must be the invited one and counts as verified
	Bio       string  // optional (openapi)
	Via       string
	Meta      ClientMeta
}

// Register creates an active member with the Maker role in the root group,
// queues a welcome mail and opens a browser session. With an invitation, the
// email must be the invited one and counts as verified.
func (s *Service) Register(ctx context.Context, in RegisterInput) (Member, Session, error) {
	m, t, err := s.register(ctx, in, false)
	return m, t.Session, err
}

// RegisterOrNotify is the sign-up of the pages (docs/security.md B7): it answers
// the same for a new and an already-registered email. A new member is
// created with a welcome mail but not signed in (created is true); for a
// taken email nothing is created and the owner gets a "someone tried to
// register" mail instead (created is false, err nil). Invalid input is an
// EINVALID error as in Register, and an invitation that does not hold is
// refused as there.
func (s *Service) RegisterOrNotify(ctx context.Context, in RegisterInput) (created bool, err error) {
	_, _, err = s.registerWith(ctx, in, nil)
	if !errors.Is(err, errRegisterTaken) {
		return err == nil, err
	}
	return false, s.notifyRegisterAttempt(ctx, in.Email)
}

// errRegisterTaken is registerWith's answer for a taken email when the
// caller asked to hide it.
var errRegisterTaken = errors.New("auth: email already registered")

// notifyRegisterAttempt mails the owner of email that someone tried to
// register with it, within the per-address mail limit.
func (s *Service) notifyRegisterAttempt(ctx context.Context, email string) error {
	m, err := s.store.MemberByLogin(ctx, Canonical(email))
	if isNotFound(err) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	n, err := s.store.CountRecentMail(ctx, m.Email, []string{MailRegisterAttempt}, s.clock().Add(-mailLimitWindow))
	if err != nil || n >= mailLimit {
		return err
	}
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		return q.send(ctx, s.mail(MailRegisterAttempt, m, map[string]string{"link": s.link("/forgot-password")}, s.clock().Add(24*time.Hour)))
	})
}

// register creates the member and opens a session, with tokens under
// in.Via's policy when withTokens.
func (s *Service) register(ctx context.Context, in RegisterInput, withTokens bool) (Member, Tokens, error) {
	return s.registerWith(ctx, in, func(ctx context.Context, tx Tx, m Member) (Tokens, error) {
		sess, err := s.openSession(ctx, tx, m.ID, in.Via, in.Meta, false)
		if err != nil || !withTokens {
			return Tokens{Session: sess}, err
		}
		return s.issue(ctx, tx, sess, in.Via)
	})
}

// registerWith validates in, creates the member with a welcome mail and,
// when open is set, opens its session inside the same transaction. With
// open nil a taken email is errRegisterTaken, after the same hashing work
// as a new account.
func (s *Service) registerWith(ctx context.Context, in RegisterInput, open func(ctx context.Context, tx Tx, m Member) (Tokens, error)) (Member, Tokens, error) {
	m, err := s.newMember(in.Email, in.Username, in.Name, in.Password, in.Confirm)
	bio, bioErr := cleanText("bio", "Bio", in.Bio, maxBioLen, true)
	first, last, namesErr := memberNames(in.FirstName, in.LastName, m.Name)
	if err := mergeFields(err, bioErr, namesErr); err != nil {
		return Member{}, Tokens{}, err
	}
	m.FirstName, m.LastName = first, last
	if bio != "" {
		m.Bio = &bio
	}
	var invite OneTimeToken
	if in.Invite != "" {
		if invite, err = s.liveInvite(ctx, s.store, in.Invite); err != nil {
			return Member{}, Tokens{}, err
		}
		if Canonical(invite.Email) != Canonical(m.Email) {
			return Member{}, Tokens{}, FieldError("email", "Use the address the invitation was sent to.")
		}
		m.EmailVerified = true
	}
	// Registrations share the login's hash pool and its admission.
	if err := s.admit(); err != nil {
		return Member{}, Tokens{}, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return Member{}, Tokens{}, err
	}
	now := s.clock()
	m.PasswordHash, m.PasswordChangedAt = hash, now
	m.Status = StatusActive
	m.Roles = []RoleGrant{{Group: RootGroup, Role: RoleMaker}}
	m.CreatedAt, m.UpdatedAt = now, now
	var t Tokens
	err = s.update(ctx, func(tx Tx, q *mailQueue) error {
		if invite.Hash != "" {
			if err := tx.UseToken(ctx, invite.Hash, now); err != nil {
				return refusal(err, errInviteInvalid)
			}
		}
		if err := createMember(ctx, tx, &m); err != nil {
			if e := AsError(err); open == nil && e != nil && e.Code == ECONFLICT && e.Fields["email"] != "" {
				return errRegisterTaken
			}
			return err
		}
		if err := q.send(ctx, s.mail(MailWelcome, m, map[string]string{"link": s.link("/account")}, now.Add(24*time.Hour))); err != nil {
			return err
		}
		if open == nil {
			return nil
		}
		var err error
		t, err = open(ctx, tx, m)
		return err
	})
	if err != nil {
		return Member{}, Tokens{}, err
	}
	return m, t, nil
}

// newMember validates the identity fields and password of a new member and
// returns the member to insert (without hash, status or roles). All field
// problems are reported together.
func (s *Service) newMember(email, username, name, password string, confirm *string) (Member, error) {
	email, emailErr := cleanEmail(email)
	var userErr error
	if strings.TrimSpace(username) != "" {
		username, userErr = cleanUsername(username)
	} else {
		username = ""
	}
	name, nameErr := cleanText("name", "Name", name, maxNameLen, false)
	pwErr := s.policy.Check(password, PasswordOwner{Email: email, Username: username})
	var confirmErr error
	if confirm != nil && *confirm != password {
		confirmErr = FieldError("confirm", "The passwords do not match.")
	}
	if err := mergeFields(emailErr, userErr, nameErr, pwErr, confirmErr); err != nil {
		return Member{}, err
	}
	return Member{Email: email, Username: username, Name: name}, nil
}

// createMember inserts m. When the username was left to default to the
// email, a username clash can only mean the email is taken, so it is
// reported on the email field.
func createMember(ctx context.Context, tx Tx, m *Member) error {
	defaulted := m.Username == ""
	err := tx.CreateMember(ctx, m)
	if e := AsError(err); e != nil && e.Code == ECONFLICT && defaulted && e.Fields["username"] != "" {
		return &Error{Code: ECONFLICT, Message: errEmailTaken, Fields: map[string]string{"email": errEmailTaken}}
	}
	return err
}

const errEmailTaken = "This email is already registered."
