-- 0003: roots that garbage collection respects (pins, leases) and tombstones of evicted bodies.
-- Times are Unix seconds (INTEGER), UTC.

-- A pin keeps a blob (by digest) or the bodies of every current response whose URL matches a
-- glob pattern (SQLite GLOB: * matches any run of characters, including /). Exactly one is set.
CREATE TABLE pin (
    id          INTEGER PRIMARY KEY,
    digest      TEXT CHECK (digest IS NULL OR (length(digest) = 64 AND digest NOT GLOB '*[^0-9a-f]*')),
    url_pattern TEXT CHECK (url_pattern IS NULL OR length(url_pattern) > 0),
    created_at  INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    CHECK ((digest IS NULL) <> (url_pattern IS NULL))
);

CREATE UNIQUE INDEX pin_by_digest ON pin (digest) WHERE digest IS NOT NULL;
CREATE UNIQUE INDEX pin_by_pattern ON pin (url_pattern) WHERE url_pattern IS NOT NULL;

-- A lease keeps its blobs until it is released or expires (a crashed holder cannot keep data
-- forever). A leased digest need not be stored yet: an installer leases, then downloads.
CREATE TABLE lease (
    id         INTEGER PRIMARY KEY,
    expires_at INTEGER NOT NULL
);

CREATE INDEX lease_by_expiry ON lease (expires_at);

CREATE TABLE lease_blob (
    lease_id INTEGER NOT NULL REFERENCES lease (id) ON DELETE CASCADE,
    digest   TEXT NOT NULL,
    PRIMARY KEY (lease_id, digest)
) WITHOUT ROWID;

CREATE INDEX lease_blob_by_digest ON lease_blob (digest);

-- A response whose body gc evicted keeps its row as a tombstone: body_digest becomes NULL,
-- evicted_at says when and evicted_by why (e.g. 'gc (policy max-size)'), so explain can tell.
ALTER TABLE response ADD COLUMN evicted_at INTEGER;
ALTER TABLE response ADD COLUMN evicted_by TEXT;
