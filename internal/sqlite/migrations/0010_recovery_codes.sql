-- 0010: two-factor recovery codes (docs/decisions.md, "Recovery codes").
-- Only the unused codes are stored, as keyed hashes: using one deletes its
-- row in the transaction that accepts it, so a second use finds nothing.
CREATE TABLE recovery_codes (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,                -- hex HMAC-SHA256 of the normalized code
    created_at INTEGER NOT NULL,                -- unix milliseconds
    PRIMARY KEY (member_id, hash)
) WITHOUT ROWID;
