-- 0006: a short key to find a URL's responses by, so that a verdict's index seek compares
-- 8-byte keys instead of whole URLs (DESIGN §9: lookups at 1 M responses).

-- The 64-bit FNV-1a hash of the normalized URL's UTF-8 bytes, as a signed integer
-- (RecordedURL.lookupKey; never to change, or this index stops finding rows). Lookups also
-- compare the URL itself, so a collision costs nothing but a row read. NULL for rows recorded
-- before this migration: those are found through response_by_key by the full evaluation.
ALTER TABLE response ADD COLUMN url_key INTEGER;

CREATE INDEX response_by_url_key ON response (url_key);
