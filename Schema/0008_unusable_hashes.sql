-- 0008: a hash a page gives that the store cannot check (a malformed sha256, or only another
-- algorithm such as md5). Such a file is unverifiable: it is never trusted by its URL alone.
-- "algorithm=value" as the page wrote it; NULL when the page gives a usable sha256 or no hash.
ALTER TABLE index_file ADD COLUMN unusable_hash TEXT;
