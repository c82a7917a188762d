-- 0005 (PostgreSQL): Schema/0005_reuse_summary.sql translated: the reuse summary of a response.
ALTER TABLE response ADD COLUMN initial_age BIGINT;
ALTER TABLE response ADD COLUMN no_cache TEXT;
ALTER TABLE response ADD COLUMN must_revalidate BIGINT NOT NULL DEFAULT 0 CHECK (must_revalidate IN (0, 1));
ALTER TABLE response ADD COLUMN vary TEXT;
