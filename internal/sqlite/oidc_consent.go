package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gatehouse/internal/auth"
)

// ConsentOf returns the scopes the member granted the client (ENOTFOUND).
func (r queries) ConsentOf(ctx context.Context, memberID int64, clientID string) ([]string, error) {
	return queryOne(ctx, r.q, func(row rowScanner) ([]string, error) {
		var s string
		if err := row.Scan(&s); err != nil {
			return nil, err
		}
		return strings.Fields(s), nil
	}, "consent", "Consent", `SELECT scopes FROM oidc_consents WHERE member_id = ? AND client_id = ?`, memberID, clientID)
}

// ConsentsOfMember lists the member's consents with their clients' names,
// oldest first.
func (r queries) ConsentsOfMember(ctx context.Context, memberID int64) ([]auth.OIDCConsent, error) {
	return queryAll(ctx, r.q, func(row rowScanner) (auth.OIDCConsent, error) {
		var (
			c         auth.OIDCConsent
			scopes    string
			createdAt int64
		)
		if err := row.Scan(&c.ClientID, &c.ClientName, &scopes, &createdAt); err != nil {
			return auth.OIDCConsent{}, err
		}
		c.Scopes, c.CreatedAt = strings.Fields(scopes), fromMillis(createdAt)
		return c, nil
	}, "consents of member", `SELECT k.client_id, c.name, k.scopes, k.created_at FROM oidc_consents k
		JOIN oidc_clients c ON c.client_id = k.client_id WHERE k.member_id = ? ORDER BY k.created_at, k.client_id`, memberID)
}

// SetConsent stores or replaces the member's consent to the client.
func (t *tx) SetConsent(ctx context.Context, memberID int64, clientID string, scopes []string, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO oidc_consents (member_id, client_id, scopes, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (member_id, client_id) DO UPDATE SET scopes = excluded.scopes, created_at = excluded.created_at`,
		memberID, clientID, strings.Join(scopes, " "), toMillis(at))
	if err != nil {
		return fmt.Errorf("sqlite: set consent: %w", err)
	}
	return nil
}

// DeleteConsent removes the member's consent to the client (ENOTFOUND).
func (t *tx) DeleteConsent(ctx context.Context, memberID int64, clientID string) error {
	return t.execOne(ctx, "delete consent", "Consent", `DELETE FROM oidc_consents WHERE member_id = ? AND client_id = ?`, memberID, clientID)
}
