-- 0009 (PostgreSQL): Schema/0009_store_history.sql translated; the server's clock says when
-- this database began.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO store_meta (key, value) VALUES ('database_created_at', CAST(extract(epoch FROM now()) AS BIGINT));
