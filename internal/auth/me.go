package auth

import "context"

// MeUpdate is what a signed-in member may change about themselves through
// an API (directus PATCH /users/me). Nil fields are left as they are.
// Changing the email or the password needs the current password, as on the
// pages; a proxy session may change neither (docs/security.md X4).
type MeUpdate struct {
	FirstName *string
	LastName  *string
	Email     *string
	Password  *string
	// CurrentPassword proves the member's presence for an email or
	// password change; it goes through the gate (gate.go) like any secret.
	CurrentPassword string
	// OTP is a code for a member with two-factor on whose session did not
	// pass it (change.go).
	OTP  string
	Meta ClientMeta
}

var errCurrentRequired = FieldError("current_password", "Your current password is required to change your email address or password.")

// UpdateMe applies a member's own change. Everything is validated before
// anything is written; a password change goes through ChangePassword (the
// pages' rules: current password, policy, other sessions end, notice
// mailed), then names and email are written in one transaction. A new email
// is unverified, and a username still equal to the old email follows it.
func (s *Service) UpdateMe(ctx context.Context, memberID, sessionID int64, u MeUpdate) (Member, error) {
	m, err := s.store.MemberByID(ctx, memberID)
	if err != nil {
		return Member{}, err
	}
	next, err := s.meChanges(m, u)
	if err != nil {
		return Member{}, err
	}
	emailChanged := Canonical(next.Email) != Canonical(m.Email)
	var sess Session
	if emailChanged || u.Password != nil {
		if sess, err = s.requester(ctx, sessionID); err != nil {
			return Member{}, err
		}
		if u.CurrentPassword == "" {
			return Member{}, errCurrentRequired
		}
	}
	if emailChanged && u.Password == nil {
		// The credential-change rules of ChangePassword, for the email:
		// the password through the gate, then the second factor.
		v, err := s.gatePassword(ctx, m, "", u.CurrentPassword, u.Meta, errCurrentPassword)
		if err != nil {
			return Member{}, err
		}
		code, err := s.secondFactor(ctx, m, &sess, u.OTP, u.Meta)
		if err != nil {
			return Member{}, s.settleBoth(ctx, err, v.pass)
		}
		if err := s.settleBoth(ctx, nil, v.pass, code); err != nil {
			return Member{}, err
		}
	}
	if emailChanged {
		if other, err := s.store.MemberByLogin(ctx, Canonical(next.Email)); err == nil && other.ID != m.ID {
			return Member{}, &Error{Code: ECONFLICT, Message: "This email address is already in use.", Fields: map[string]string{"email": "This email address is already in use."}}
		} else if err != nil && !isNotFound(err) {
			return Member{}, err
		}
	}
	if u.Password != nil {
		err := s.ChangePassword(ctx, ChangePasswordInput{SessionID: sessionID, Current: u.CurrentPassword, New: *u.Password, OTP: u.OTP, SignOutOthers: true, Meta: u.Meta})
		if err != nil {
			return Member{}, renameField(err, "new_password", "password")
		}
	}
	if next.FirstName == m.FirstName && next.LastName == m.LastName && !emailChanged && next.Email == m.Email {
		return s.store.MemberByID(ctx, memberID)
	}
	err = s.update(ctx, func(tx Tx, _ *mailQueue) error {
		cur, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		if emailChanged {
			if cur.Username == Canonical(cur.Email) {
				cur.Username = Canonical(next.Email)
			}
			cur.EmailVerified = false
		}
		old := cur.Email
		cur.FirstName, cur.LastName, cur.Email = next.FirstName, next.LastName, next.Email
		cur.UpdatedAt = s.clock()
		m = cur
		if err := tx.UpdateMember(ctx, cur); err != nil {
			return err
		}
		if !emailChanged {
			return nil
		}
		return s.emailChanged(ctx, tx, Actor{Member: cur, Session: sess, Meta: u.Meta}, cur, old, "by the member")
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// meChanges validates u against m and returns m with the new names and
// email (nothing written).
func (s *Service) meChanges(m Member, u MeUpdate) (Member, error) {
	var firstErr, lastErr, emailErr error
	if u.FirstName != nil {
		m.FirstName, firstErr = cleanText("first_name", "First name", *u.FirstName, maxNameLen, false)
	}
	if u.LastName != nil {
		m.LastName, lastErr = cleanText("last_name", "Last name", *u.LastName, maxNameLen, false)
	}
	if u.Email != nil {
		m.Email, emailErr = cleanEmail(*u.Email)
	}
	var pwErr error
	if u.Password != nil && *u.Password == "" {
		pwErr = FieldError("password", "Enter a new password.")
	}
	return m, mergeFields(firstErr, lastErr, emailErr, pwErr)
}

// renameField returns err with one field name replaced (the API calls the
// new password "password", ChangePassword "new_password").
func renameField(err error, from, to string) error {
	e := AsError(err)
	if e == nil || e.Fields == nil {
		return err
	}
	if _, ok := e.Fields[from]; !ok {
		return err
	}
	out := *e
	out.Fields = map[string]string{}
	for k, v := range e.Fields {
		if k == from {
			k = to
		}
		out.Fields[k] = v
	}
	return &out
}
