-- 0014 (PostgreSQL): Schema/0014_page_versions.sql translated.
ALTER TABLE index_page ADD COLUMN versions TEXT;
