-- 0011 (PostgreSQL): Schema/0011_plus_in_paths.sql moves rows recorded before `+` was written as
-- `%2B`. A PostgreSQL database never held such rows (every writer of one already records `%2B`),
-- so there is nothing to move: this file keeps the numbering in step and changes nothing.
SELECT 1;
