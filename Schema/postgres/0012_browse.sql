-- 0012 (PostgreSQL): Schema/0012_browse.sql translated.
CREATE INDEX response_refused_by_time ON response (response_time) WHERE storability IN ('refused', 'archived');
