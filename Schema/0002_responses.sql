-- 0002: every response an installer saw, stored or refused, and a bounded history of fetches.
-- Times are Unix seconds (INTEGER), UTC. Header blocks are "Name: value" lines joined by "\n",
-- in the order received; Authorization, Proxy-Authorization, Cookie and Set-Cookie never appear.

CREATE TABLE response (
    id                 INTEGER PRIMARY KEY,
    method             TEXT NOT NULL,
    -- Normalized (scheme/host case, default port, percent-encoding case), never with userinfo.
    url                TEXT NOT NULL,
    -- The Vary-nominated request header values this response was selected by ('' without Vary).
    variant_key        TEXT NOT NULL DEFAULT '',
    status             INTEGER NOT NULL,
    -- Only the request headers the response's Vary nominates (what reuse compares).
    request_headers    TEXT NOT NULL DEFAULT '',
    -- As the server sent them.
    response_headers   TEXT NOT NULL,
    -- The Cache-Control a store override applied instead of the server's, and the rule's prefix.
    applied_cache_control TEXT,
    override_prefix    TEXT,
    request_time       INTEGER NOT NULL,
    response_time      INTEGER NOT NULL,
    -- stored: kept under HTTP rules; refused: HTTP rules forbid storing it (no body kept);
    -- archived: refused by HTTP rules but its body kept on purpose (archive policy).
    storability        TEXT NOT NULL CHECK (storability IN ('stored', 'refused', 'archived')),
    -- Refusal codes from HTTPCaching, comma-separated ('' when stored).
    refusal_reasons    TEXT NOT NULL DEFAULT '',
    freshness_lifetime INTEGER NOT NULL,
    -- When the response stops being fresh (response_time + lifetime - initial age).
    expires_at         INTEGER NOT NULL,
    body_digest        TEXT REFERENCES blob (digest),
    body_size          INTEGER,
    last_used_at       INTEGER NOT NULL
);

CREATE UNIQUE INDEX response_by_key ON response (url, method, variant_key);
CREATE INDEX response_by_body ON response (body_digest) WHERE body_digest IS NOT NULL;

-- What happened each time a URL was fetched: kept to the last N per URL (Store.Options).
CREATE TABLE observation (
    id      INTEGER PRIMARY KEY,
    url     TEXT NOT NULL,
    at      INTEGER NOT NULL,
    -- stored | refused | archived | not-modified | failed
    outcome TEXT NOT NULL,
    status  INTEGER,
    detail  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX observation_by_url ON observation (url, id);

-- Per-index policy, longest matching prefix wins ('' matches every URL):
-- override the server's Cache-Control for files and/or pages, keep refused bodies (archive).
CREATE TABLE index_policy (
    url_prefix         TEXT PRIMARY KEY NOT NULL,
    file_cache_control TEXT,
    page_cache_control TEXT,
    archive_refused    INTEGER NOT NULL DEFAULT 0 CHECK (archive_refused IN (0, 1)),
    note               TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
