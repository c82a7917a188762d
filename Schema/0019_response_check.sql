-- 0019: the same `response` table, its storability check written as comparisons.
--
-- SQLite checks `x IN (a, b, c)` by building a temporary B-tree of the list each time the
-- statement runs: for a CHECK, on every insert of a response. That costs a bulk recording about
-- 7 % of its time (ARCHITECTURE.md §8); `x = a OR x = b OR x = c` accepts exactly the same
-- values with three comparisons. (SQLite compares a list of two directly, as must_revalidate's.)
-- A table's CHECK cannot be altered, so the table is rebuilt as 0016 rebuilt index_page: copied,
-- dropped, renamed, its indexes made again. Columns, order, keys and indexes stay as they were;
-- the tables whose rows name a response (`REFERENCES response (id)`) go on naming this one.
-- PostgreSQL checks an IN list directly, and keeps its table.
CREATE TABLE response_0019 (
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
    storability        TEXT NOT NULL CHECK (storability = 'stored' OR storability = 'refused' OR storability = 'archived'),
    -- Refusal codes from HTTPCaching, comma-separated ('' when stored).
    refusal_reasons    TEXT NOT NULL DEFAULT '',
    freshness_lifetime INTEGER NOT NULL,
    -- When the response stops being fresh (response_time + lifetime - initial age).
    expires_at         INTEGER NOT NULL,
    body_digest        TEXT REFERENCES blob (digest),
    body_size          INTEGER,
    last_used_at       INTEGER NOT NULL,
    -- 0003: when gc (or verify --repair) took the body away, and why.
    evicted_at         INTEGER,
    evicted_by         TEXT,
    -- 0005: what deciding reuse needs from the headers (HTTPCaching.ReuseSummary).
    initial_age        INTEGER,
    no_cache           TEXT,
    must_revalidate    INTEGER NOT NULL DEFAULT 0 CHECK (must_revalidate IN (0, 1)),
    vary               TEXT,
    -- 0006: the 64-bit FNV-1a hash of the URL (RecordedURL.lookupKey).
    url_key            INTEGER
);

INSERT INTO response_0019 (id, method, url, variant_key, status, request_headers, response_headers, applied_cache_control,
        override_prefix, request_time, response_time, storability, refusal_reasons, freshness_lifetime, expires_at, body_digest,
        body_size, last_used_at, evicted_at, evicted_by, initial_age, no_cache, must_revalidate, vary, url_key)
    SELECT id, method, url, variant_key, status, request_headers, response_headers, applied_cache_control,
        override_prefix, request_time, response_time, storability, refusal_reasons, freshness_lifetime, expires_at, body_digest,
        body_size, last_used_at, evicted_at, evicted_by, initial_age, no_cache, must_revalidate, vary, url_key FROM response;
DROP TABLE response;
ALTER TABLE response_0019 RENAME TO response;

CREATE UNIQUE INDEX response_by_key ON response (url, method, variant_key);
CREATE INDEX response_by_body ON response (body_digest) WHERE body_digest IS NOT NULL;
CREATE INDEX response_by_url_key ON response (url_key);
CREATE INDEX response_refused_by_time ON response (response_time) WHERE storability IN ('refused', 'archived');
