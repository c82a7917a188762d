-- 0013 (PostgreSQL): Schema/0013_wheels_by_project.sql translated.
CREATE INDEX index_file_wheels_by_project ON index_file (project, sha256) WHERE kind = 'wheel' AND sha256 IS NOT NULL;
