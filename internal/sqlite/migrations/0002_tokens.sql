-- 0002: issued bearer credentials, TOTP, one-time token extras, id_token keys.
-- Times are INTEGER unix milliseconds (UTC); NULL means "not set".
-- Columns marked "sealed" hold AES-256-GCM ciphertext under the payload key
-- (nonce || ciphertext), bound to the row's identity; NULL means empty.

CREATE TABLE credentials (
    hash        TEXT    PRIMARY KEY,                     -- hex SHA-256 of the secret
    kind        TEXT    NOT NULL,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE, -- NULL for anonymous tokens
    via         TEXT    NOT NULL DEFAULT '',
    parent_hash TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    rotated_at  INTEGER,
    revoked_at  INTEGER,
    successor   BLOB,                                    -- sealed plaintext of the successor refresh token
    mints       INTEGER NOT NULL DEFAULT 0
);
-- Without it, deleting a session scans every credential to cascade.
CREATE INDEX credentials_session ON credentials (session_id);
-- Plain, not partial: "parent_hash = ?" with a bound value cannot prove a
-- partial index's WHERE, so the planner would skip it.
CREATE INDEX credentials_parent ON credentials (parent_hash);

ALTER TABLE members ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0, 1));
ALTER TABLE members ADD COLUMN mfa_secret BLOB;              -- sealed base32 TOTP secret
ALTER TABLE members ADD COLUMN mfa_last_step INTEGER NOT NULL DEFAULT 0;

ALTER TABLE one_time_tokens ADD COLUMN secret2_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE one_time_tokens ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE signing_keys (
    kid        TEXT    PRIMARY KEY,
    private    BLOB    NOT NULL,                         -- sealed Ed25519 seed
    public     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
