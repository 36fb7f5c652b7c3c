package postgres

import (
	"context"
	"fmt"
	"time"
)

// RecoveryCodesLeft counts the member's unused recovery codes.
func (r queries) RecoveryCodesLeft(ctx context.Context, memberID int64) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE member_id = ?`, memberID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: recovery codes left: %w", err)
	}
	return n, nil
}

// ReplaceRecoveryCodes deletes the member's recovery codes and stores the
// hashes as the new set (none: the member has no codes).
func (t *tx) ReplaceRecoveryCodes(ctx context.Context, memberID int64, hashes []string, at time.Time) error {
	if err := t.exec(ctx, "delete recovery codes", `DELETE FROM recovery_codes WHERE member_id = ?`, memberID); err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.exec(ctx, "store recovery code",
			`INSERT INTO recovery_codes (member_id, hash, created_at) VALUES (?, ?, ?)`,
			memberID, h, toMillis(at)); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode deletes the member's unused code with the hash: the
// DELETE is the single-use guard (of two concurrent uses exactly one
// removes the row); none is ENOTFOUND.
func (t *tx) UseRecoveryCode(ctx context.Context, memberID int64, hash string) error {
	return t.execOne(ctx, "use recovery code", "Recovery code",
		`DELETE FROM recovery_codes WHERE member_id = ? AND hash = ?`, memberID, hash)
}
