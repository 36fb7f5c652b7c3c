-- 0003: member editor, proxy-login grants, the audit log, member files.
-- Times are INTEGER unix milliseconds (UTC); NULL means "not set".

-- actor_id may log in as target_id (the permission lives on the target).
CREATE TABLE proxy_grants (
    id         INTEGER PRIMARY KEY,
    target_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    actor_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES members (id) ON DELETE SET NULL, -- NULL: the CLI
    UNIQUE (target_id, actor_id),
    CHECK (target_id != actor_id)
);
CREATE INDEX proxy_grants_actor ON proxy_grants (actor_id);
-- Without it, deleting a member scans every grant to null created_by.
CREATE INDEX proxy_grants_created_by ON proxy_grants (created_by) WHERE created_by IS NOT NULL;

-- Entries outlive the members they name: no foreign keys.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor_id   INTEGER,                                  -- NULL: the CLI
    subject_id INTEGER,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    grant_id   INTEGER,
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    storage_key  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_member ON files (member_id);

-- The member editor's list: keyset pagination in each sort order (id as
-- the tiebreaker), alone or within one status. email_key and username
-- already have their UNIQUE indexes (which carry the rowid) for the search
-- prefixes. The name order is lower(name); the queries use that exact
-- expression so that these indexes apply.
CREATE INDEX members_name ON members (lower(name), id);
CREATE INDEX members_created ON members (created_at, id);
CREATE INDEX members_status ON members (status, id);
CREATE INDEX members_status_email ON members (status, email_key, id);
CREATE INDEX members_status_name ON members (status, lower(name), id);
CREATE INDEX members_status_created ON members (status, created_at, id);
-- The role and group filters use member_roles_role and member_roles_group
-- of 0001: in a WITHOUT ROWID table they carry the primary key (member_id).
