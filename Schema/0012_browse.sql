-- 0012: serve's web pages (ARCHITECTURE.md §7, "Web pages") list the most recent refused
-- responses; with a million responses that needs an index, not a scan.
CREATE INDEX response_refused_by_time ON response (response_time) WHERE storability IN ('refused', 'archived');
