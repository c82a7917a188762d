-- 0001 (PostgreSQL): Schema/0001_initial.sql translated; the same tables and columns, kept in step
-- by Tests/ArtifactStorePostgresTests/SchemaParityTests.swift. Never edited once released.
-- Times are Unix seconds (BIGINT), UTC. Integers are BIGINT throughout (SQLite's INTEGER is 64-bit).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE blob (
    digest            TEXT PRIMARY KEY NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    size              BIGINT NOT NULL CHECK (size >= 0),
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT NOT NULL,
    verified_at       BIGINT,
    quarantined_at    BIGINT,
    quarantine_reason TEXT
);

CREATE INDEX blob_by_last_used ON blob (last_used_at);

INSERT INTO meta (key, value) VALUES ('format_version', '1');
