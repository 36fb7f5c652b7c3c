-- 0009: webhooks (issue 12). Every audit entry becomes one delivery per
-- registered endpoint, in the transaction that writes the entry (the
-- trigger below), so an acknowledged change is never without its events.
-- Times are INTEGER unix milliseconds (UTC); NULL means "not set".

CREATE TABLE webhook_endpoints (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    url        TEXT    NOT NULL,
    secret     BLOB    NOT NULL DEFAULT x'',                -- AES-256-GCM sealed, bound to the id
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES members (id) ON DELETE SET NULL
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    audit_id        INTEGER NOT NULL,                       -- the event (no FK: the log outlives nothing)
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,             -- HTTP status of the last attempt; 0: none
    last_error      TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER,
    dropped_at      INTEGER,
    claimed_until   INTEGER,
    UNIQUE (endpoint_id, audit_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND dropped_at IS NULL;

CREATE TRIGGER audit_log_webhooks AFTER INSERT ON audit_log BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, audit_id, created_at, next_attempt_at)
        SELECT id, NEW.id, NEW.at, NEW.at FROM webhook_endpoints;
END;
