-- External identities (issue 10, social sign-in): a member may sign in with
-- an account at an OAuth 2 / OpenID Connect provider. (provider, subject)
-- names the provider's account; the email is the one the provider gave at
-- linking time, kept for display only. Deleting the member deletes its links.
CREATE TABLE identities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    provider   TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    email      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (provider, subject)
);

CREATE INDEX identities_member ON identities (member_id);
