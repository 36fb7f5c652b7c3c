package auth

import "context"

// ProfileInput is what a member may change about themselves on the profile
// form. Nothing else (roles, status, email verification) can be set here.
type ProfileInput struct {
	Name     string
	Username string
	Bio      string
}

// UpdateProfile changes the member's name, username and bio.
func (s *Service) UpdateProfile(ctx context.Context, memberID int64, in ProfileInput) (Member, error) {
	var m Member
	err := s.update(ctx, func(tx Tx, _ *mailQueue) error {
		var err error
		if m, err = tx.MemberByID(ctx, memberID); err != nil {
			return err
		}
		name, nameErr := cleanText("name", "Name", in.Name, maxNameLen, false)
		bio, bioErr := cleanText("bio", "Bio", in.Bio, maxBioLen, true)
		// A member keeps the default username (their email) until they pick
		// one; an unchanged username is not re-validated.
		username, userErr := m.Username, error(nil)
		if Canonical(in.Username) != m.Username {
			username, userErr = cleanUsername(in.Username)
		}
		if err := mergeFields(nameErr, userErr, bioErr); err != nil {
			return err
		}
		m.Name, m.Username = name, username
		m.Bio = nil
		if bio != "" {
			m.Bio = &bio
		}
		m.UpdatedAt = s.clock()
		return tx.UpdateMember(ctx, m)
	})
	return m, err
}

// ChangePasswordInput is a signed-in member changing their own password.
type ChangePasswordInput struct {
	MemberID      int64
	SessionID     int64 // the session making the change; it stays signed in
	Current       string
	New           string
	Confirm       *string
	SignOutOthers bool
}

// ChangePassword replaces the password after checking the current one. Reset
// links die, other sessions end when asked, and a notice is mailed. A proxy
// session may not change the password (checklist X4).
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) error {
	if err := s.GuardProxy(ctx, in.SessionID); err != nil {
		return err
	}
	m, err := s.store.MemberByID(ctx, in.MemberID)
	if err != nil {
		return err
	}
	if ok, _, _ := s.hasher.Verify(in.Current, m.PasswordHash); !ok || len(in.Current) > MaxPasswordBytes {
		return FieldError("current_password", "Your current password is incorrect.")
	}
	if err := s.policy.Check(in.New, PasswordOwner{Email: m.Email, Username: m.Username}); err != nil {
		return &Error{Code: EINVALID, Message: ErrorMessage(err), Fields: map[string]string{"new_password": ErrorMessage(err)}}
	}
	if in.Confirm != nil && *in.Confirm != in.New {
		return FieldError("confirm_password", "The passwords do not match.")
	}
	if in.New == in.Current {
		return FieldError("new_password", "Choose a password different from your current one.")
	}
	hash, err := s.hasher.Hash(in.New)
	if err != nil {
		return err
	}
	keep := int64(-1)
	if in.SignOutOthers {
		keep = in.SessionID
	}
	return s.update(ctx, func(tx Tx, q *mailQueue) error {
		return s.passwordChanged(ctx, tx, q, m, hash, keep)
	})
}

// ListSessions returns the member's live sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, memberID int64) ([]Session, error) {
	return s.store.ListSessions(ctx, memberID, s.clock())
}

// RevokeOwnSession ends one of the member's own sessions. A session of
// another member is ENOTFOUND, exactly like one that does not exist.
func (s *Service) RevokeOwnSession(ctx context.Context, memberID, sessionID int64) error {
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err := tx.SessionByID(ctx, sessionID)
		if err != nil || sess.MemberID != memberID {
			return Errorf(ENOTFOUND, "Session not found.")
		}
		return tx.RevokeSession(ctx, sessionID, s.clock())
	})
}

// DevMail lists the newest outbox mails, for the dev mailbox.
func (s *Service) DevMail(ctx context.Context, limit int) ([]Mail, error) {
	return s.store.ListMail(ctx, limit)
}
