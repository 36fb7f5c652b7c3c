-- 0010: no query looks credentials up by parent_hash any more (a family is
-- ended through its session), so the index only cost every token insert a
-- random-position write (docs/decisions.md "Refresh rotation on SQLite").
DROP INDEX IF EXISTS credentials_parent;
