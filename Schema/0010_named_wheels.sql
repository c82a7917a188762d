-- 0010: wheels stored by `put` under their file name. can-install and export find a project's
-- stored wheels through the pages that list their hash and the URLs they were fetched from; a
-- wheel put from a file has neither, so its name is kept here (PEP 427 filename, PEP 503 project).
-- Rows go with their blob.
CREATE TABLE named_wheel (
    digest    TEXT NOT NULL REFERENCES blob (digest) ON DELETE CASCADE,
    filename  TEXT NOT NULL,
    project   TEXT NOT NULL,
    named_at  INTEGER NOT NULL,
    PRIMARY KEY (digest, filename)
) WITHOUT ROWID;

CREATE INDEX named_wheel_by_project ON named_wheel (project);
