package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"gatehouse/internal/auth"

	"github.com/mattn/go-sqlite3"
)

const passkeyColumns = `id, member_id, credential_id, user_handle, public_key, attestation_type, aaguid,
	sign_count, transports, backup_eligible, backup_state, name, created_at, last_used_at`

func scanPasskey(row rowScanner) (auth.Passkey, error) {
	var (
		p          auth.Passkey
		transports string
		createdAt  int64
		lastUsed   sql.NullInt64
		count      int64
	)
	if err := row.Scan(&p.ID, &p.MemberID, &p.CredentialID, &p.UserHandle, &p.PublicKey, &p.AttestationType, &p.AAGUID,
		&count, &transports, &p.BackupEligible, &p.BackupState, &p.Name, &createdAt, &lastUsed); err != nil {
		return auth.Passkey{}, err
	}
	p.SignCount = uint32(count)
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	p.CreatedAt = fromMillis(createdAt)
	if lastUsed.Valid {
		t := fromMillis(lastUsed.Int64)
		p.LastUsedAt = &t
	}
	return p, nil
}

// PasskeysOfMember lists the member's passkeys, oldest first.
func (r queries) PasskeysOfMember(ctx context.Context, memberID int64) ([]auth.Passkey, error) {
	return queryAll(ctx, r.q, scanPasskey, "passkeys of member", `SELECT `+passkeyColumns+` FROM passkeys
		WHERE member_id = ? ORDER BY id`, memberID)
}

// PasskeyByCredentialID finds the passkey with the credential id, or ENOTFOUND.
func (r queries) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (auth.Passkey, error) {
	return queryOne(ctx, r.q, scanPasskey, "passkey by credential", "Passkey", `SELECT `+passkeyColumns+` FROM passkeys
		WHERE credential_id = ?`, credentialID)
}

// CreatePasskey stores a new passkey and sets p.ID. A credential id stored
// already is ECONFLICT, an unknown member ENOTFOUND.
func (t *tx) CreatePasskey(ctx context.Context, p *auth.Passkey) error {
	id, err := t.insert(ctx, "create passkey", `INSERT INTO passkeys (member_id, credential_id, user_handle, public_key,
		attestation_type, aaguid, sign_count, transports, backup_eligible, backup_state, name, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.MemberID, p.CredentialID, p.UserHandle, p.PublicKey, p.AttestationType, nonNil(p.AAGUID), int64(p.SignCount),
		strings.Join(p.Transports, ","), p.BackupEligible, p.BackupState, p.Name, toMillis(p.CreatedAt), ptrMillis(p.LastUsedAt))
	switch {
	case isConstraint(err, sqlite3.ErrConstraintUnique):
		return &auth.Error{Code: auth.ECONFLICT, Message: "This passkey is registered already."}
	case isConstraint(err, sqlite3.ErrConstraintForeignKey):
		return notFound("Member")
	case err != nil:
		return err
	}
	p.ID = id
	return nil
}

// UsePasskey records a sign-in with the passkey: its new signature counter,
// backup state and time (ENOTFOUND when it is gone).
func (t *tx) UsePasskey(ctx context.Context, id int64, signCount uint32, backupState bool, at time.Time) error {
	return t.execOne(ctx, "use passkey", "Passkey", `UPDATE passkeys SET sign_count = ?, backup_state = ?, last_used_at = ?
		WHERE id = ?`, int64(signCount), backupState, toMillis(at), id)
}

// RenamePasskey renames the member's passkey id (ENOTFOUND when the member
// has none such).
func (t *tx) RenamePasskey(ctx context.Context, memberID, id int64, name string) error {
	return t.execOne(ctx, "rename passkey", "Passkey", `UPDATE passkeys SET name = ? WHERE id = ? AND member_id = ?`, name, id, memberID)
}

// DeletePasskey removes the member's passkey id (ENOTFOUND when the member
// has none such).
func (t *tx) DeletePasskey(ctx context.Context, memberID, id int64) error {
	return t.execOne(ctx, "delete passkey", "Passkey", `DELETE FROM passkeys WHERE id = ? AND member_id = ?`, id, memberID)
}

// nonNil maps a nil byte slice to an empty one (a NOT NULL blob).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
