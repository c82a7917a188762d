-- 0008 (PostgreSQL): Schema/0008_unusable_hashes.sql translated.
ALTER TABLE index_file ADD COLUMN unusable_hash TEXT;
