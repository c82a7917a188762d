-- 0018: the blob journal (ARCHITECTURE.md §4, I1). A small blob's content is committed here, in
-- the transaction that publishes it, instead of being fsynced in its file and directory first:
-- one fsync (the commit's) makes the put durable. Its file is written and renamed into place as
-- any blob's, and later made durable with others at once (`Store.settleBlobJournal`), which then
-- deletes the row. Until then a missing or damaged file is rewritten from this copy. SQLite
-- stores with their blobs in their directory only; PostgreSQL stores have no such table.
CREATE TABLE blob_journal (
    digest TEXT PRIMARY KEY,   -- the blob's, hex; the content hashes to it
    content BLOB NOT NULL
);

-- A blob's journal copy goes with its row (gc, and nothing else, deletes blob rows).
CREATE TRIGGER blob_journal_follows_blob AFTER DELETE ON blob BEGIN
    DELETE FROM blob_journal WHERE digest = old.digest;
END;
