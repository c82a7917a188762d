-- 0013: can-install's "stored wheels" list (ARCHITECTURE.md §5) looks for blobs matching the
-- sha256 of any wheel a project's pages list. For a 20 000-file page (torch) that walked every
-- file's row; this index holds exactly what the walk reads first, so only the rows of wheels
-- whose blob is stored are read from the table (11 ms → 4.5 ms on such a page).
CREATE INDEX index_file_wheels_by_project ON index_file (project, sha256) WHERE kind = 'wheel' AND sha256 IS NOT NULL;
