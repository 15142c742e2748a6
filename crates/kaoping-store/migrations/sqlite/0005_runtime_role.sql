-- PostgreSQL's 0005 creates the runtime role (kaoping_runtime). SQLite has no roles: whoever can write the
-- data folder's file owns the database. Kept so both trees count the same migrations.
SELECT 1;
