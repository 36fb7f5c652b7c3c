package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"gatehouse/internal/auth"
)

// SetMFA stores the member's TOTP secret, sealed under the payload key and
// bound to the member id (empty: NULL), and whether MFA is on. A secret
// that differs from the stored one restarts the replay guard
// (mfa_last_step = 0): steps accepted under the old secret say nothing
// about the new one. Enabling MFA without a secret is EINVALID (it would
// lock the member out); an unknown member is ENOTFOUND.
func (t *tx) SetMFA(ctx context.Context, memberID int64, secret string, enabled bool) error {
	if enabled && secret == "" {
		msg := "MFA cannot be enabled without a secret."
		return &auth.Error{Code: auth.EINVALID, Message: msg, Fields: map[string]string{"secret": msg}}
	}
	var (
		sealed []byte
		step   int64
	)
	err := t.q.QueryRowContext(ctx, `SELECT mfa_secret, mfa_last_step FROM members WHERE id = ?`, memberID).
		Scan(&sealed, &step)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("Member")
	}
	if err != nil {
		return fmt.Errorf("postgres: set mfa: %w", err)
	}
	// A stored secret that no longer opens (key changed) is treated as a
	// different secret: the guard restarts.
	old, err := openField(t.key, mfaSecretField, strconv.FormatInt(memberID, 10), sealed)
	if err != nil || string(old) != secret {
		step = 0
	}
	return wrap("set mfa", t.writeMFA(ctx, memberID, secret, enabled, step))
}

// writeMFA writes the three MFA columns of the member.
func (t *tx) writeMFA(ctx context.Context, memberID int64, secret string, enabled bool, step int64) error {
	sealed, err := sealField(t.key, mfaSecretField, strconv.FormatInt(memberID, 10), []byte(secret))
	if err != nil {
		return fmt.Errorf("seal mfa secret: %w", err)
	}
	res, err := t.q.ExecContext(ctx,
		`UPDATE members SET mfa_enabled = ?, mfa_secret = ?, mfa_last_step = ? WHERE id = ?`,
		enabled, sealed, step, memberID)
	if err != nil {
		return err
	}
	return rowsAffected(res, "Member")
}

// AdvanceMFAStep records step as the member's last accepted TOTP step. The
// conditional UPDATE is the replay guard: a step not after the stored one
// (a code used again, or an older one) is ENOTFOUND, as is an unknown
// member; of two concurrent uses of one code exactly one succeeds.
func (t *tx) AdvanceMFAStep(ctx context.Context, memberID int64, step int64) error {
	res, err := t.q.ExecContext(ctx,
		`UPDATE members SET mfa_last_step = ?1 WHERE id = ?2 AND mfa_last_step < ?1`, step, memberID)
	if err != nil {
		return fmt.Errorf("postgres: advance mfa step: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("postgres: advance mfa step: %w", err)
	}
	if n == 0 {
		return &auth.Error{Code: auth.ENOTFOUND, Message: "Member not found or TOTP step already used."}
	}
	return nil
}
