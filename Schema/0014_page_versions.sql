-- 0014: a recorded project page's distinct versions, highest first by PEP 440, one per line, as
-- the filenames spell them. Worked out when the page is parsed, outside the write lock
-- (ARCHITECTURE.md §4, I8), so that can-install walks a 20 000-file page's versions from the top
-- without a SELECT DISTINCT over its rows or parsing every version (ARCHITECTURE.md §5). NULL for
-- pages indexed before 0014: readers then fall back to the rows.
ALTER TABLE index_page ADD COLUMN versions TEXT;
