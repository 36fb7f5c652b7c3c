-- 0006: forgot-password requests are outbox rows of kind 'reset_request'
-- (to_addr holds the canonical identifier asked for). The per-IP limit
-- counts them by the client IP, which is not inside the sealed payload.
ALTER TABLE outbox ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_request_ip ON outbox (client_ip, created_at) WHERE kind = 'reset_request';
