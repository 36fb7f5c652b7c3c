-- 0012: passkeys (WebAuthn credentials, docs/decisions.md "Passkeys"). One
-- row per registered credential; user_handle is the opaque per-member id the
-- authenticator returns with a discoverable credential (never the email).
-- Times are INTEGER unix milliseconds (UTC); NULL means "not set".

CREATE TABLE passkeys (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id        INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    credential_id    BLOB    NOT NULL UNIQUE,
    user_handle      BLOB    NOT NULL,
    public_key       BLOB    NOT NULL,
    attestation_type TEXT    NOT NULL DEFAULT '',
    aaguid           BLOB    NOT NULL DEFAULT x'',
    sign_count       INTEGER NOT NULL DEFAULT 0,
    transports       TEXT    NOT NULL DEFAULT '',          -- comma-separated
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    backup_state     INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER
);
CREATE INDEX passkeys_member ON passkeys (member_id);
CREATE INDEX passkeys_handle ON passkeys (user_handle);
