-- A password someone else chose (the first administrator's, an administrator's reset or a new account's)
-- must be changed at the next login.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- One row while a process sets up an empty database (the first administrator, the demo), so several
-- processes starting together set it up once.
CREATE TABLE setup_lock (
    id INTEGER PRIMARY KEY,
    taken_at INTEGER NOT NULL
);
