-- 0007: the quarantined blobs on their own, nearly always none: a verdict asks whether a body is
-- quarantined by seeking this (empty) index rather than the blob table. That the blob row exists
-- at all needs no lookup: response.body_digest references it.
CREATE INDEX blob_quarantined ON blob (digest) WHERE quarantined_at IS NOT NULL;
