-- 0016: a page's files are a set of their own, so that a big page's rows are written in short
-- transactions before the one that publishes them (ARCHITECTURE.md §4, I8).
--
-- Before, `index_file` rows belonged to their page's response row and were written inside the
-- transaction that recorded the response: the first recording of a 20 000-file page held the
-- store's write lock for half a second. Now a recording writes a new page's rows into a
-- `staging` set, a few hundred rows per transaction; the transaction that records the response
-- points `index_page.file_set` at it (`published`), and the set it replaces becomes `retired`.
-- Retired sets, and staging sets their writer abandoned (a crash), are deleted a few hundred rows
-- per transaction afterwards, by the recorder that retired them or by gc.
--
-- Only a published set's rows are ever read: by their page (`index_page.file_set`), or by
-- project through a join on `index_page`.
CREATE TABLE index_file_set (
    -- AUTOINCREMENT: an identifier is never reused, so a writer holding the identifier of a set
    -- gc deleted can never publish somebody else's set.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    state       TEXT NOT NULL CHECK (state IN ('staging', 'published', 'retired')),
    created_at  INTEGER NOT NULL,
    -- Bumped by every change to the set's rows in place: an edit planned before the write lock
    -- applies only to the revision it was planned against (a page changed and changed back has
    -- its old fingerprint again, but not its old rows).
    revision    INTEGER NOT NULL DEFAULT 0
);

-- What the sweeper looks for: retired sets, and staging sets by age.
CREATE INDEX index_file_set_unpublished ON index_file_set (state, created_at) WHERE state <> 'published';

-- Existing pages keep their rows: each page's set takes its response's identifier.
INSERT INTO index_file_set (id, state, created_at) SELECT response_id, 'published', parsed_at FROM index_page;
INSERT INTO index_file_set (id, state, created_at)
    SELECT DISTINCT page_response_id, 'retired', 0 FROM index_file
    WHERE page_response_id NOT IN (SELECT response_id FROM index_page);

CREATE TABLE index_page_0016 (
    response_id  INTEGER PRIMARY KEY REFERENCES response (id) ON DELETE CASCADE,
    -- The page's files. Not cascading: a set a page points at can never be deleted.
    file_set     INTEGER NOT NULL UNIQUE REFERENCES index_file_set (id),
    project      TEXT NOT NULL,
    body_digest  TEXT NOT NULL,
    content_fingerprint TEXT NOT NULL,
    file_count   INTEGER NOT NULL,
    parsed_at    INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL,
    versions     TEXT
);
INSERT INTO index_page_0016 (response_id, file_set, project, body_digest, content_fingerprint, file_count, parsed_at, changed_at, versions)
    SELECT response_id, response_id, project, body_digest, content_fingerprint, file_count, parsed_at, changed_at, versions FROM index_page;
DROP TABLE index_page;
ALTER TABLE index_page_0016 RENAME TO index_page;
CREATE INDEX index_page_by_project ON index_page (project);

CREATE TABLE index_file_0016 (
    id                   INTEGER PRIMARY KEY,
    file_set             INTEGER NOT NULL REFERENCES index_file_set (id) ON DELETE CASCADE,
    project              TEXT NOT NULL,
    position             INTEGER NOT NULL,
    filename             TEXT NOT NULL,
    url                  TEXT NOT NULL,
    sha256               TEXT,
    requires_python      TEXT,
    yanked               INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1)),
    yanked_reason        TEXT,
    kind                 TEXT NOT NULL CHECK (kind IN ('wheel', 'sdist')),
    version              TEXT,
    tags                 TEXT,
    core_metadata        INTEGER NOT NULL DEFAULT 0 CHECK (core_metadata IN (0, 1)),
    core_metadata_sha256 TEXT,
    size                 INTEGER,
    unusable_hash        TEXT
);
INSERT INTO index_file_0016 (id, file_set, project, position, filename, url, sha256, requires_python, yanked, yanked_reason,
        kind, version, tags, core_metadata, core_metadata_sha256, size, unusable_hash)
    SELECT id, page_response_id, project, position, filename, url, sha256, requires_python, yanked, yanked_reason,
        kind, version, tags, core_metadata, core_metadata_sha256, size, unusable_hash FROM index_file;
DROP TABLE index_file;
ALTER TABLE index_file_0016 RENAME TO index_file;
CREATE INDEX index_file_by_set ON index_file (file_set, version);
CREATE INDEX index_file_by_project ON index_file (project);
CREATE INDEX index_file_by_sha256 ON index_file (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX index_file_wheels_by_project ON index_file (project, sha256) WHERE kind = 'wheel' AND sha256 IS NOT NULL;

-- A page that goes (its response deleted or no longer a page) or points at a new set retires
-- the set it had, whoever deleted it: gc, a recording, a cascade.
CREATE TRIGGER index_page_retires_deleted_set AFTER DELETE ON index_page BEGIN
    UPDATE index_file_set SET state = 'retired' WHERE id = old.file_set;
END;
CREATE TRIGGER index_page_retires_replaced_set AFTER UPDATE OF file_set ON index_page WHEN old.file_set <> new.file_set BEGIN
    UPDATE index_file_set SET state = 'retired' WHERE id = old.file_set;
END;
