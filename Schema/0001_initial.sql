-- 0001: the blob table and the store's metadata.
-- Migrations are never edited once released: a change is a new file.
-- Times are Unix seconds (INTEGER), UTC.

-- Key/value facts about the store itself (format version, creation time).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per published blob: blobs/sha256/<first two hex>/<hex>.
-- The row and the file are published together in one write transaction (DESIGN 5.2).
CREATE TABLE blob (
    digest            TEXT PRIMARY KEY NOT NULL
                      CHECK (length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*'),
    size              INTEGER NOT NULL CHECK (size >= 0),
    created_at        INTEGER NOT NULL,
    last_used_at      INTEGER NOT NULL,
    -- Last time the content was re-hashed and matched its digest (NULL: only at ingest).
    verified_at       INTEGER,
    -- Set when the content failed verification and the file was moved to quarantine/.
    quarantined_at    INTEGER,
    quarantine_reason TEXT
) WITHOUT ROWID;

CREATE INDEX blob_by_last_used ON blob (last_used_at);

INSERT INTO meta (key, value) VALUES ('format_version', '1');
