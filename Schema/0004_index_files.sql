-- 0004: what parsed project pages offered (so queries never reparse HTML), and which recorded
-- responses are wheels (so stored wheels of a project are found without scanning every URL).
-- Rows are derived from response rows and their bodies: they are replaced whenever the page is
-- recorded again, and deleted with the response.

-- One row per parsed project page (a stored or archived 200 HTML / PEP 691 JSON response) that
-- lists at least one distribution file.
CREATE TABLE index_page (
    response_id  INTEGER PRIMARY KEY REFERENCES response (id) ON DELETE CASCADE,
    -- PEP 503-normalized project name: the JSON `name`, else the URL's last path segment.
    project      TEXT NOT NULL,
    -- The blob the rows were parsed from.
    body_digest  TEXT NOT NULL,
    -- SHA-256 of the parsed content (name, versions, sorted files): equal fingerprints mean
    -- ProjectPage.hasSameContent, so a cosmetic change (<!--TIMESTAMP-->) rewrites nothing.
    content_fingerprint TEXT NOT NULL,
    file_count   INTEGER NOT NULL,
    parsed_at    INTEGER NOT NULL,
    -- When the file set last changed (parsed_at of the first parse with this fingerprint).
    changed_at   INTEGER NOT NULL
);

CREATE INDEX index_page_by_project ON index_page (project);

-- One row per distribution file a parsed page offers.
CREATE TABLE index_file (
    id                   INTEGER PRIMARY KEY,
    page_response_id     INTEGER NOT NULL REFERENCES response (id) ON DELETE CASCADE,
    project              TEXT NOT NULL,
    -- Position on the page (ties between equally good wheels keep page order, as pip does).
    position             INTEGER NOT NULL,
    filename             TEXT NOT NULL,
    -- Absolute, without fragment, as the page resolved it.
    url                  TEXT NOT NULL,
    -- Lowercase hex SHA-256 from the page (fragment or PEP 691 hashes), NULL when not given.
    sha256               TEXT,
    requires_python      TEXT,
    yanked               INTEGER NOT NULL DEFAULT 0 CHECK (yanked IN (0, 1)),
    yanked_reason        TEXT,
    -- wheel | sdist
    kind                 TEXT NOT NULL CHECK (kind IN ('wheel', 'sdist')),
    -- Normalized PEP 440 version; NULL when the filename carries none that parses.
    version              TEXT,
    -- Wheels: the expanded tags, space-separated; NULL for sdists.
    tags                 TEXT,
    core_metadata        INTEGER NOT NULL DEFAULT 0 CHECK (core_metadata IN (0, 1)),
    core_metadata_sha256 TEXT,
    size                 INTEGER
);

-- Covers "the distinct versions of a page" so a query only loads the files of matching versions.
CREATE INDEX index_file_by_page ON index_file (page_response_id, version);
CREATE INDEX index_file_by_project ON index_file (project);
CREATE INDEX index_file_by_sha256 ON index_file (sha256) WHERE sha256 IS NOT NULL;

-- Recorded responses whose URL's last segment is a wheel filename of this (normalized) project.
-- Kept small (it grows with every wheel fetched): the filename and version come from the URL.
CREATE TABLE wheel_response (
    response_id INTEGER PRIMARY KEY REFERENCES response (id) ON DELETE CASCADE,
    project     TEXT NOT NULL
);

CREATE INDEX wheel_response_by_project ON wheel_response (project);
