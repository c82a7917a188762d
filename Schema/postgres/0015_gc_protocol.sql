-- 0015 (PostgreSQL only; no SQLite twin): the primitives of the cross-node gc and publication
-- protocol (ARCHITECTURE.md §11). SchemaParityTests lists these columns as the only ones SQLite
-- lacks.
--
-- `generation`: bumped by every publication of the blob (PostgresMetadata.publish), from one
-- sequence, so that gc's claim can tell "nobody published this since I marked it" without
-- comparing clocks. `published_at`: the server's clock (Unix seconds) at the last publication,
-- which the grace period is measured against, so nodes' clocks never matter.
CREATE SEQUENCE blob_generation;

ALTER TABLE blob ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blob ADD COLUMN published_at BIGINT NOT NULL DEFAULT 0;

-- gc's mark reads unreferenced blobs by age of publication.
CREATE INDEX blob_by_published ON blob (published_at);
