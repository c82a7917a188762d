-- 0006 (PostgreSQL): Schema/0006_url_key.sql translated: the 64-bit FNV-1a key of the URL.
ALTER TABLE response ADD COLUMN url_key BIGINT;

CREATE INDEX response_by_url_key ON response (url_key);
