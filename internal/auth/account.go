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

// ListSessions returns the member's live sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, memberID int64) ([]Session, error) {
	return s.store.ListSessions(ctx, memberID, s.clock())
}

// RevokeOwnSession ends one of the member's own sessions, asked from the
// session current. A session of another member is ENOTFOUND, exactly like
// one that does not exist; a proxy session may end none (docs/security.md X4).
func (s *Service) RevokeOwnSession(ctx context.Context, current, sessionID int64) error {
	req, err := s.requester(ctx, current)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, _ *mailQueue) error {
		sess, err := tx.SessionByID(ctx, sessionID)
		if err != nil || sess.MemberID != req.MemberID {
			return Errorf(ENOTFOUND, "Session not found.")
		}
		if err := tx.RevokeSession(ctx, sessionID, s.clock()); err != nil {
			return err
		}
		action := AuditSessionEnded
		if sessionID == current {
			action = AuditSignOut
		}
		return s.auditSession(ctx, tx, action, sess, req.MemberID)
	})
}

// DevMail lists the newest outbox mails, for the dev mailbox.
func (s *Service) DevMail(ctx context.Context, limit int) ([]Mail, error) {
	return s.store.ListMail(ctx, limit)
}
