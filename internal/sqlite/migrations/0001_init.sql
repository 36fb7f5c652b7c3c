-- 0001: the initial Gatehouse schema.
-- Times are INTEGER unix milliseconds (UTC); NULL means "not set".

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    email               TEXT    NOT NULL,                -- as entered
    email_key           TEXT    NOT NULL UNIQUE,         -- auth.Canonical(email)
    email_verified      INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    username            TEXT    NOT NULL UNIQUE,         -- stored canonical
    name                TEXT    NOT NULL DEFAULT '',
    first_name          TEXT    NOT NULL DEFAULT '',
    last_name           TEXT    NOT NULL DEFAULT '',
    bio                 TEXT,
    mobile              TEXT    NOT NULL DEFAULT '',
    status              TEXT    NOT NULL
        CHECK (status IN ('active', 'suspended', 'invited', 'password_reset_required')),
    password_hash       TEXT    NOT NULL DEFAULT '',
    password_changed_at INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE "groups" (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES "groups" (id),
    name      TEXT    NOT NULL
);
CREATE INDEX groups_parent ON "groups" (parent_id);
INSERT INTO "groups" (id, parent_id, name) VALUES (1, NULL, 'Organisation');

CREATE TABLE roles (
    id    INTEGER PRIMARY KEY,
    label TEXT    NOT NULL
);
INSERT INTO roles (id, label) VALUES
    (1, 'Account Owner'),
    (2, 'User Administrator'),
    (3, 'Maker');

CREATE TABLE member_roles (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES "groups" (id),
    role_id   INTEGER NOT NULL REFERENCES roles (id),
    PRIMARY KEY (member_id, group_id, role_id)
) WITHOUT ROWID;
CREATE INDEX member_roles_group ON member_roles (group_id);
CREATE INDEX member_roles_role ON member_roles (role_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    via          TEXT    NOT NULL,
    actor_id     INTEGER REFERENCES members (id) ON DELETE CASCADE, -- NULL: not a proxy session
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_member ON sessions (member_id);
-- Without it, deleting a member scans every session to cascade actor_id.
CREATE INDEX sessions_actor ON sessions (actor_id) WHERE actor_id IS NOT NULL;

CREATE TABLE one_time_tokens (
    hash       TEXT    PRIMARY KEY,                      -- hex SHA-256 of the secret
    kind       TEXT    NOT NULL,
    member_id  INTEGER REFERENCES members (id) ON DELETE CASCADE, -- NULL for invitations
    email      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX one_time_tokens_member_kind ON one_time_tokens (member_id, kind);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    to_addr         TEXT    NOT NULL,
    payload         BLOB    NOT NULL,                    -- AES-256-GCM sealed JSON of Mail.Data
    created_at      INTEGER NOT NULL,
    not_after       INTEGER,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER,
    dropped_at      INTEGER,
    claimed_until   INTEGER
);
-- The worker's claim only ever looks at pending rows.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dropped_at IS NULL;
