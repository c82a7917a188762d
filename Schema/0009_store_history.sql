-- 0009: what the store's history says about its own files. `database_created_at` (Unix seconds)
-- is when this database began, or, for an older store, when it gained this table. A digest-named
-- file with no row that is older than that cannot be a crash leftover of this database's writers
-- (it came from a restored backup, a copy, a database lost and rebuilt): gc keeps it, verify
-- reports it, and verify --repair adopts it by its content.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO store_meta (key, value) VALUES ('database_created_at', CAST(strftime('%s', 'now') AS INTEGER));
