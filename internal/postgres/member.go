package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gatehouse/internal/auth"
)

const memberColumns = `id, email, email_verified, username, name, first_name, last_name, bio,
	mobile, status, password_hash, password_changed_at, created_at, updated_at,
	mfa_enabled, mfa_secret, mfa_last_step, language, time_zone`

// mfaSecretField names the sealed members.mfa_secret column in its
// additional data; the row identity bound with it is the member id.
const mfaSecretField = "members.mfa_secret"

// scanMember reads one row of memberColumns and opens the MFA secret with
// key.
func scanMember(row interface{ Scan(...any) error }, key []byte) (auth.Member, error) {
	var (
		m                    auth.Member
		bio                  sql.NullString
		status               string
		changed              sql.NullInt64
		createdAt, updatedAt int64
		secret               []byte
	)
	err := row.Scan(&m.ID, &m.Email, &m.EmailVerified, &m.Username, &m.Name, &m.FirstName,
		&m.LastName, &bio, &m.Mobile, &status, &m.PasswordHash, &changed, &createdAt, &updatedAt,
		&m.MFAEnabled, &secret, &m.MFALastStep, &m.Language, &m.TimeZone)
	if err != nil {
		return auth.Member{}, err
	}
	plain, err := openField(key, mfaSecretField, strconv.FormatInt(m.ID, 10), secret)
	if err != nil {
		return auth.Member{}, err
	}
	m.MFASecret = string(plain)
	if bio.Valid {
		m.Bio = &bio.String
	}
	m.Status = auth.Status(status)
	m.PasswordChangedAt = timeOrZero(changed)
	m.CreatedAt = fromMillis(createdAt)
	m.UpdatedAt = fromMillis(updatedAt)
	return m, nil
}

// MemberByID returns the member with its roles, or ENOTFOUND.
func (r queries) MemberByID(ctx context.Context, id int64) (auth.Member, error) {
	return r.member(ctx, "MemberByID", `SELECT `+memberColumns+` FROM members WHERE id = ?`, id)
}

// MemberByLogin returns the member whose canonical email or username is key
// (already auth.Canonical), or ENOTFOUND. Should one member's username equal
// another's email, the email match wins.
func (r queries) MemberByLogin(ctx context.Context, key string) (auth.Member, error) {
	return r.member(ctx, "MemberByLogin", `SELECT `+memberColumns+` FROM members
		WHERE email_key = ?1 OR username = ?1
		ORDER BY email_key = ?1 DESC LIMIT 1`, key)
}

// memberRow is scanMember with the store's key.
func (r queries) memberRow(row rowScanner) (auth.Member, error) { return scanMember(row, r.key) }

func (r queries) member(ctx context.Context, op, query string, arg any) (auth.Member, error) {
	m, err := scanMember(r.q.QueryRowContext(ctx, query, arg), r.key)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Member{}, notFound("Member")
	}
	if err != nil {
		return auth.Member{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if m.Roles, err = r.roles(ctx, m.ID); err != nil {
		return auth.Member{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return m, nil
}

// roles returns one member's grants.
func (r queries) roles(ctx context.Context, memberID int64) ([]auth.RoleGrant, error) {
	byMember, err := r.rolesBetween(ctx, memberID, memberID)
	return byMember[memberID], err
}

// rolesBetween loads, in one query, the grants of every member whose id is
// in [lo, hi]: a page of ListMembers is exactly such a range.
func (r queries) rolesBetween(ctx context.Context, lo, hi int64) (map[int64][]auth.RoleGrant, error) {
	return r.grants(ctx, `member_id BETWEEN ? AND ?`, lo, hi)
}

// grants loads, in one query, the grants of the members the member_roles
// condition where selects, by member id.
func (r queries) grants(ctx context.Context, where string, args ...any) (map[int64][]auth.RoleGrant, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT member_id, group_id, role_id FROM member_roles
		WHERE `+where+` ORDER BY member_id, group_id, role_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]auth.RoleGrant{}
	for rows.Next() {
		var id int64
		var g auth.RoleGrant
		if err := rows.Scan(&id, &g.Group, &g.Role); err != nil {
			return nil, err
		}
		out[id] = append(out[id], g)
	}
	return out, rows.Err()
}

// ListMembers returns up to q.Limit (default 100) members with ids above
// q.AfterID, ordered by id, with their roles.
func (r queries) ListMembers(ctx context.Context, q auth.MemberQuery) ([]auth.Member, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	out, err := queryAll(ctx, r.q, r.memberRow, "list members", `SELECT `+memberColumns+` FROM members
		WHERE id > ? ORDER BY id LIMIT ?`, q.AfterID, limit)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	grants, err := r.rolesBetween(ctx, out[0].ID, out[len(out)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list members: %w", err)
	}
	for i := range out {
		out[i].Roles = grants[out[i].ID]
	}
	return out, nil
}

// CreateMember inserts m and its roles and sets m.ID, m.Username (canonical;
// Canonical(Email) when empty) and, when zero, m.CreatedAt and m.UpdatedAt.
func (t *tx) CreateMember(ctx context.Context, m *auth.Member) error {
	if m.Username = auth.Canonical(m.Username); m.Username == "" {
		m.Username = auth.Canonical(m.Email)
	}
	if err := checkStatus(m.Status); err != nil {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
	id, err := t.guardedInsert(ctx, "create member", `INSERT INTO members (email, email_key, email_verified,
		username, name, first_name, last_name, bio, mobile, status, password_hash,
		password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.Email, auth.Canonical(m.Email), m.EmailVerified, m.Username, m.Name, m.FirstName,
		m.LastName, m.Bio, m.Mobile, string(m.Status), m.PasswordHash,
		nullMillis(m.PasswordChangedAt), toMillis(m.CreatedAt), toMillis(m.UpdatedAt))
	if err != nil {
		return memberWriteError("create member", err)
	}
	if err := t.insertRoles(ctx, id, m.Roles); err != nil {
		return fmt.Errorf("postgres: create member: %w", err)
	}
	// The sealed secret is bound to the id, known only now.
	if m.MFAEnabled || m.MFASecret != "" || m.MFALastStep != 0 {
		if err := t.writeMFA(ctx, id, m.MFASecret, m.MFAEnabled, m.MFALastStep); err != nil {
			return fmt.Errorf("postgres: create member: %w", err)
		}
	}
	m.ID = id
	return nil
}

// UpdateMember writes the profile fields, the status and UpdatedAt (the
// store's clock when zero); passwords and roles are left alone.
func (t *tx) UpdateMember(ctx context.Context, m auth.Member) error {
	username := auth.Canonical(m.Username)
	if username == "" {
		username = auth.Canonical(m.Email)
	}
	if err := checkStatus(m.Status); err != nil {
		return err
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = now()
	}
	var res sql.Result
	err := t.guarded(ctx, func() (err error) {
		res, err = t.q.ExecContext(ctx, `UPDATE members SET email = ?, email_key = ?,
		email_verified = ?, username = ?, name = ?, first_name = ?, last_name = ?, bio = ?,
		mobile = ?, status = ?, updated_at = ? WHERE id = ?`,
			m.Email, auth.Canonical(m.Email), m.EmailVerified, username, m.Name, m.FirstName,
			m.LastName, m.Bio, m.Mobile, string(m.Status), toMillis(m.UpdatedAt), m.ID)
		return err
	})
	if err != nil {
		return memberWriteError("update member", err)
	}
	return wrap("update member", rowsAffected(res, "Member"))
}

// SetPassword replaces the hash, records when it changed and sets the
// status (for example active after a required reset).
func (t *tx) SetPassword(ctx context.Context, memberID int64, hash string, changedAt time.Time, status auth.Status) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	return t.execOne(ctx, "set password", "Member", `UPDATE members SET password_hash = ?, password_changed_at = ?,
		status = ?, updated_at = ? WHERE id = ?`,
		hash, nullMillis(changedAt), string(status), toMillis(changedAt), memberID)
}

// SetPreferences writes the member's language and time zone ("" for not
// chosen); the caller has checked both.
func (t *tx) SetPreferences(ctx context.Context, memberID int64, language, timeZone string) error {
	return t.execOne(ctx, "set preferences", "Member", `UPDATE members SET language = ?, time_zone = ? WHERE id = ?`,
		language, timeZone, memberID)
}

// SetPasswordHash replaces the hash only (a rehash with new parameters):
// the password did not change, so neither do the timestamps.
func (t *tx) SetPasswordHash(ctx context.Context, memberID int64, hash string) error {
	return t.execOne(ctx, "set password hash", "Member", `UPDATE members SET password_hash = ? WHERE id = ?`, hash, memberID)
}

// SetRoles replaces all of the member's grants with roles.
func (t *tx) SetRoles(ctx context.Context, memberID int64, roles []auth.RoleGrant) error {
	var one int
	err := t.q.QueryRowContext(ctx, `SELECT 1 FROM members WHERE id = ?`, memberID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Member")
	}
	if err != nil {
		return fmt.Errorf("postgres: set roles: %w", err)
	}
	if _, err := t.q.ExecContext(ctx, `DELETE FROM member_roles WHERE member_id = ?`, memberID); err != nil {
		return fmt.Errorf("postgres: set roles: %w", err)
	}
	return wrap("set roles", t.insertRoles(ctx, memberID, roles))
}

// insertRoles adds the grants, ignoring duplicates in roles. An unknown group
// or role is EINVALID.
func (t *tx) insertRoles(ctx context.Context, memberID int64, roles []auth.RoleGrant) error {
	seen := make(map[auth.RoleGrant]bool, len(roles))
	for _, g := range roles {
		if seen[g] {
			continue
		}
		seen[g] = true
		err := t.guarded(ctx, func() error {
			_, err := t.q.ExecContext(ctx,
				`INSERT INTO member_roles (member_id, group_id, role_id) VALUES (?, ?, ?)`,
				memberID, g.Group, int64(g.Role))
			return err
		})
		if isConstraint(err, foreignKeyViolation) {
			msg := "Unknown group or role."
			return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"roles": msg}}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkStatus rejects a status the schema's CHECK would refuse, as EINVALID
// rather than an internal error.
func checkStatus(s auth.Status) error {
	if s.Valid() {
		return nil
	}
	msg := fmt.Sprintf("Unknown status %q.", s)
	return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"status": msg}}
}

// memberWriteError maps a unique violation on email_key or username to the
// ECONFLICT error the forms show next to the field.
func memberWriteError(op string, err error) error {
	if isConstraint(err, uniqueViolation) {
		switch constraintName(err) {
		case "members_email_key_key":
			m := "This email is already registered."
			return &auth.Error{Code: auth.ECONFLICT, Message: m, Fields: map[string]string{"email": m}}
		case "members_username_key":
			m := "This username is taken."
			return &auth.Error{Code: auth.ECONFLICT, Message: m, Fields: map[string]string{"username": m}}
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// wrap adds the operation to err unless it is nil or already an *auth.Error.
func wrap(op string, err error) error {
	if err == nil || auth.AsError(err) != nil {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}
