-- 0016 (PostgreSQL): Schema/0016_index_file_sets.sql translated. PostgreSQL alters the tables in
-- place where SQLite rebuilds them; the columns, keys and triggers are the same.
CREATE TABLE index_file_set (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('staging', 'published', 'retired')),
    created_at  BIGINT NOT NULL,
    revision    BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX index_file_set_unpublished ON index_file_set (state, created_at) WHERE state <> 'published';

INSERT INTO index_file_set (id, state, created_at) OVERRIDING SYSTEM VALUE
    SELECT response_id, 'published', parsed_at FROM index_page;
INSERT INTO index_file_set (id, state, created_at) OVERRIDING SYSTEM VALUE
    SELECT DISTINCT page_response_id, 'retired', 0 FROM index_file
    WHERE page_response_id NOT IN (SELECT response_id FROM index_page);
-- New sets are numbered after every response identifier taken over above.
SELECT setval(pg_get_serial_sequence('index_file_set', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM index_file_set), false);

ALTER TABLE index_page ADD COLUMN file_set BIGINT;
UPDATE index_page SET file_set = response_id;
ALTER TABLE index_page ALTER COLUMN file_set SET NOT NULL;
ALTER TABLE index_page ADD CONSTRAINT index_page_file_set_key UNIQUE (file_set);
ALTER TABLE index_page ADD CONSTRAINT index_page_file_set_fkey FOREIGN KEY (file_set) REFERENCES index_file_set (id);

ALTER TABLE index_file DROP CONSTRAINT index_file_page_response_id_fkey;
DROP INDEX index_file_by_page;
ALTER TABLE index_file RENAME COLUMN page_response_id TO file_set;
ALTER TABLE index_file ADD CONSTRAINT index_file_file_set_fkey FOREIGN KEY (file_set) REFERENCES index_file_set (id) ON DELETE CASCADE;
CREATE INDEX index_file_by_set ON index_file (file_set, version);

-- The schema's own table, whatever the session's search_path when a trigger fires.
CREATE FUNCTION index_page_retires_its_set() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS '
BEGIN
    UPDATE index_file_set SET state = ''retired'' WHERE id = OLD.file_set;
    RETURN NULL;
END';
CREATE TRIGGER index_page_retires_deleted_set AFTER DELETE ON index_page
    FOR EACH ROW EXECUTE FUNCTION index_page_retires_its_set();
CREATE TRIGGER index_page_retires_replaced_set AFTER UPDATE OF file_set ON index_page
    FOR EACH ROW WHEN (OLD.file_set IS DISTINCT FROM NEW.file_set) EXECUTE FUNCTION index_page_retires_its_set();
