package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"gatehouse/internal/auth"
)

// privateKeyField names the sealed signing_keys.private column in its
// additional data; the row identity bound with it is the kid.
const privateKeyField = "signing_keys.private"

// SigningKeys returns every id_token signing key, retired ones included,
// newest first, with the private seeds opened.
func (r queries) SigningKeys(ctx context.Context) ([]auth.SigningKey, error) {
	scan := func(row rowScanner) (auth.SigningKey, error) {
		var (
			k         auth.SigningKey
			private   []byte
			createdAt int64
			retired   sql.NullInt64
			err       error
		)
		if err := row.Scan(&k.KID, &private, &k.Public, &createdAt, &retired); err != nil {
			return auth.SigningKey{}, err
		}
		if k.Private, err = openField(r.key, privateKeyField, k.KID, private); err != nil {
			return auth.SigningKey{}, fmt.Errorf("key %s: %w", k.KID, err)
		}
		k.CreatedAt = fromMillis(createdAt)
		k.RetiredAt = timePtr(retired)
		return k, nil
	}
	return queryAll(ctx, r.q, scan, "signing keys", `SELECT kid, private, public, created_at, retired_at
		FROM signing_keys ORDER BY created_at DESC, seq DESC`)
}

// CreateSigningKey stores the key, its private seed sealed and bound to the
// kid. CreatedAt defaults to now. A key without a private seed is EINVALID.
func (t *tx) CreateSigningKey(ctx context.Context, k auth.SigningKey) error {
	if len(k.Private) == 0 || k.KID == "" {
		return &auth.Error{Code: auth.EINVALID, Message: "A signing key needs a kid and a private key."}
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now()
	}
	private, err := sealField(t.key, privateKeyField, k.KID, k.Private)
	if err != nil {
		return fmt.Errorf("postgres: create signing key: seal: %w", err)
	}
	public := k.Public
	if public == nil {
		public = []byte{}
	}
	return t.exec(ctx, "create signing key", `INSERT INTO signing_keys (kid, private, public, created_at, retired_at)
		VALUES (?, ?, ?, ?, ?)`, k.KID, private, public, toMillis(k.CreatedAt), ptrMillis(k.RetiredAt))
}
