-- 0007: indexes for the janitor (internal/auth/janitor.go), so that each of
-- its batches finds its dead rows without scanning a whole table. The
-- partial indexes serve "x < ?" terms, which imply x IS NOT NULL.
CREATE INDEX credentials_expires ON credentials (expires_at);
CREATE INDEX credentials_revoked ON credentials (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX credentials_used ON credentials (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX one_time_tokens_expires ON one_time_tokens (expires_at);
CREATE INDEX one_time_tokens_used ON one_time_tokens (used_at) WHERE used_at IS NOT NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_dropped ON outbox (dropped_at) WHERE dropped_at IS NOT NULL;
CREATE INDEX login_failures_last ON login_failures (last_failure_at);
