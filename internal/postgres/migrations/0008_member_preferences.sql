-- 0008: a member's language and time zone (docs/decisions.md "Languages and
-- time zones"). Empty means "not chosen": the page's negotiated language and
-- UTC.

ALTER TABLE members ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
