-- Per-account login failure counters (docs/security.md B1-B3, M3, L5). key is
-- "m:<member id>" for a known account and "i:<canonical identifier>" for an
-- unknown one. Times are unix milliseconds; locked_until is NULL when the
-- key is not backed off.
CREATE TABLE login_failures (
    key             TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    locks           INTEGER NOT NULL DEFAULT 0,
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
) WITHOUT ROWID;

-- The per-address mail limit (B8) counts recent outbox rows to an address.
CREATE INDEX outbox_to_created ON outbox (to_addr, created_at);
