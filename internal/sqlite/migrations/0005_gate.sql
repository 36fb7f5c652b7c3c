-- The one gate for every secret (docs/decisions.md, "One gate for every secret").
--
-- login_failures gains the member a counter belongs to (so a completed
-- reset can clear every counter of the member at once) and the attempts in
-- flight: a reservation is pending until its secret has been checked, and
-- only a checked failure counts towards a backoff. pending_at bounds a
-- reservation whose request died: older than a minute, it no longer counts.
ALTER TABLE login_failures ADD COLUMN member_id INTEGER;
ALTER TABLE login_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_failures ADD COLUMN pending_at INTEGER;
CREATE INDEX login_failures_member ON login_failures (member_id) WHERE member_id IS NOT NULL;

-- Clients (a browser's device cookie, else the client IP; only a SHA-256 of
-- either is stored) that completed a sign-in of the member. A known client
-- is not held back by the account-wide backoff that strangers cause.
CREATE TABLE known_clients (
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    client       TEXT    NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (member_id, client)
) WITHOUT ROWID;
CREATE INDEX known_clients_seen ON known_clients (last_seen_at);

-- A session records whether a second factor was passed when it opened, so
-- an API door can let a member with two-factor on change credentials only
-- from such a session.
ALTER TABLE sessions ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;
