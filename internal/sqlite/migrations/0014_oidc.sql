-- 0014: the OpenID Provider (docs/decisions.md "Sign in with Gatehouse").
-- oidc_clients are the relying parties: secret_hash is the SHA-256 of a
-- confidential client's secret ('' for a public client); redirect_uris is
-- newline-separated, compared exactly. oidc_requests are authorization
-- requests between /authorize and the code exchange: the code is stored as
-- its SHA-256 only and is single use. oidc_consents remember the scopes a
-- member granted a third-party client. Times are INTEGER unix milliseconds.

CREATE TABLE oidc_clients (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id     TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    secret_hash   TEXT    NOT NULL DEFAULT '',
    redirect_uris TEXT    NOT NULL,
    public        INTEGER NOT NULL DEFAULT 0,
    first_party   INTEGER NOT NULL DEFAULT 0,
    refuse_proxy  INTEGER NOT NULL DEFAULT 0,
    logout_uri    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE oidc_requests (
    id         TEXT    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    request    TEXT    NOT NULL,                       -- JSON: the authorize parameters
    session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    auth_time  INTEGER,
    code_hash  TEXT    UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);

CREATE TABLE oidc_consents (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,                       -- space-separated
    created_at INTEGER NOT NULL,
    PRIMARY KEY (member_id, client_id)
);

-- How each session signed in (RFC 8176 amr values, space-separated: pwd,
-- otp, hwk), for the id_tokens' amr and acr; '' for sessions opened before.
ALTER TABLE sessions ADD COLUMN amr TEXT    NOT NULL DEFAULT '';
