-- 0011: audit entries say which door the event came through ("page",
-- "kuroco", "wme", "kotive", "directus", "openapi", "cli") and how it ended
-- ("ok", "failed", "refused", "locked"); every authentication event is now an
-- entry (docs/decisions.md "Audit events and proxy safeguards"). The index on
-- at serves the admin page's time range; (subject_id, id), (actor_id, id) and
-- (action, id) already serve the member and event filters.
ALTER TABLE audit_log ADD COLUMN door   TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN result TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_at ON audit_log (at);
