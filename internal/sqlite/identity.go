package sqlite

import (
	"context"

	"gatehouse/internal/auth"

	"github.com/mattn/go-sqlite3"
)

const identityColumns = `id, member_id, provider, subject, email, created_at`

func scanIdentity(row rowScanner) (auth.Identity, error) {
	var (
		i         auth.Identity
		createdAt int64
	)
	if err := row.Scan(&i.ID, &i.MemberID, &i.Provider, &i.Subject, &i.Email, &createdAt); err != nil {
		return auth.Identity{}, err
	}
	i.CreatedAt = fromMillis(createdAt)
	return i, nil
}

// IdentityOf finds the external identity (provider, subject), or ENOTFOUND.
func (r queries) IdentityOf(ctx context.Context, provider, subject string) (auth.Identity, error) {
	return queryOne(ctx, r.q, scanIdentity, "identity of", "Identity", `SELECT `+identityColumns+` FROM identities
		WHERE provider = ? AND subject = ?`, provider, subject)
}

// IdentitiesOfMember lists the member's external identities, oldest first.
func (r queries) IdentitiesOfMember(ctx context.Context, memberID int64) ([]auth.Identity, error) {
	return queryAll(ctx, r.q, scanIdentity, "identities of member", `SELECT `+identityColumns+` FROM identities
		WHERE member_id = ? ORDER BY id`, memberID)
}

// CreateIdentity links an external identity to a member and sets i.ID (and
// CreatedAt when zero). An identity linked already is ECONFLICT, an unknown
// member ENOTFOUND.
func (t *tx) CreateIdentity(ctx context.Context, i *auth.Identity) error {
	if i.CreatedAt.IsZero() {
		i.CreatedAt = now()
	}
	id, err := t.insert(ctx, "create identity", `INSERT INTO identities (member_id, provider, subject, email, created_at)
		VALUES (?, ?, ?, ?, ?)`, i.MemberID, i.Provider, i.Subject, i.Email, toMillis(i.CreatedAt))
	switch {
	case isConstraint(err, sqlite3.ErrConstraintUnique):
		return &auth.Error{Code: auth.ECONFLICT, Message: "This account at the provider is linked to a member already."}
	case isConstraint(err, sqlite3.ErrConstraintForeignKey):
		return notFound("Member")
	case err != nil:
		return err
	}
	i.ID = id
	return nil
}

// DeleteIdentity removes the member's link id, or answers ENOTFOUND.
func (t *tx) DeleteIdentity(ctx context.Context, memberID, id int64) error {
	return t.execOne(ctx, "delete identity", "Identity", `DELETE FROM identities WHERE id = ? AND member_id = ?`, id, memberID)
}
