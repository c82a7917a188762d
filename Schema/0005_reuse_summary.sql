-- 0005: what deciding a response's reuse needs from its headers (HTTPCaching.ReuseSummary),
-- computed when it is recorded, so that a verdict parses no headers in the common case.
-- Rows recorded before this migration keep NULL here and are decided from their headers.

-- corrected_initial_age of RFC 9111 §4.2.3, in seconds (with freshness_lifetime and
-- response_time it gives the age at any time).
ALTER TABLE response ADD COLUMN initial_age INTEGER;
-- The response's no-cache: NULL when absent, '' when unqualified, else its field names
-- joined by ','.
ALTER TABLE response ADD COLUMN no_cache TEXT;
ALTER TABLE response ADD COLUMN must_revalidate INTEGER NOT NULL DEFAULT 0 CHECK (must_revalidate IN (0, 1));
-- The Vary-nominated field names, lowercased, joined by ',' ('' without Vary, '*' for Vary: *).
ALTER TABLE response ADD COLUMN vary TEXT;
