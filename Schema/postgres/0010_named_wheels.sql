-- 0010 (PostgreSQL): Schema/0010_named_wheels.sql translated: wheels put under their file name.
CREATE TABLE named_wheel (
    digest    TEXT NOT NULL REFERENCES blob (digest) ON DELETE CASCADE,
    filename  TEXT NOT NULL,
    project   TEXT NOT NULL,
    named_at  BIGINT NOT NULL,
    PRIMARY KEY (digest, filename)
);

CREATE INDEX named_wheel_by_project ON named_wheel (project);
