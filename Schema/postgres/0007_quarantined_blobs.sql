-- 0007 (PostgreSQL): Schema/0007_quarantined_blobs.sql translated.
CREATE INDEX blob_quarantined ON blob (digest) WHERE quarantined_at IS NOT NULL;
