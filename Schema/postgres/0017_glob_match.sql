-- PostgreSQL only: glob_match(value, pattern), SQLite's `value GLOB pattern` (the store's SQL
-- asks for it through SQLDialect.glob, ARCHITECTURE.md §11). `*` is any run of characters, `?`
-- one character, `[...]` a class (`^` first negates it, `]` first is itself, an unclosed `[`
-- matches nothing), every other character itself; case-sensitive, anchored at both ends.
-- (A single-quoted body: the migration splitter does not understand dollar quoting.)
CREATE FUNCTION glob_match(value TEXT, pattern TEXT) RETURNS BOOLEAN
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS '
DECLARE
    regex TEXT := ''^'';
    here INT := 1;
    total INT := char_length(pattern);
    closing INT;
    c TEXT;
BEGIN
    WHILE here <= total LOOP
        c := substr(pattern, here, 1);
        IF c = ''*'' THEN
            regex := regex || ''.*'';
        ELSIF c = ''?'' THEN
            regex := regex || ''.'';
        ELSIF c = ''['' THEN
            closing := here + 1;
            IF substr(pattern, closing, 1) = ''^'' THEN closing := closing + 1; END IF;
            IF substr(pattern, closing, 1) = '']'' THEN closing := closing + 1; END IF;
            WHILE closing <= total AND substr(pattern, closing, 1) <> '']'' LOOP
                closing := closing + 1;
            END LOOP;
            IF closing > total THEN
                RETURN FALSE;
            END IF;
            regex := regex || ''['' || replace(substr(pattern, here + 1, closing - here - 1), ''\'', ''\\'') || '']'';
            here := closing;
        ELSE
            regex := regex || regexp_replace(c, ''([^A-Za-z0-9])'', ''\\\1'');
        END IF;
        here := here + 1;
    END LOOP;
    RETURN value ~ (regex || ''$'');
END';
