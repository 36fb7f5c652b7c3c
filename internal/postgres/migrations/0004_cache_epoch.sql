-- 0004: the read cache's epoch (internal/postgres/cache.go). Every node
-- advances it right after each committed Update; a node's cache serves an
-- entry only while the epoch it was loaded under is still current.
-- Sequences are not transactional, so advancing it conflicts with nothing.
CREATE SEQUENCE cache_epoch;
