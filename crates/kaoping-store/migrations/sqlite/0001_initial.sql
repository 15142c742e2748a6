-- Kaoping store, SQLite flavour. The PostgreSQL tree has the same tables and columns; only the DDL differs
-- (INTEGER PRIMARY KEY vs BIGSERIAL, BLOB vs BYTEA, trigger syntax).
-- Portable types only: integer ids, decimal points as normalized TEXT, unix-millisecond INTEGER timestamps,
-- TEXT dates.

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE org_units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES org_units(id),
    kind TEXT NOT NULL,
    ranking_group TEXT
);

CREATE TABLE org_unit_groups (
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    position INTEGER NOT NULL,
    group_code TEXT NOT NULL,
    PRIMARY KEY (unit_id, group_code)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    unit_id INTEGER REFERENCES org_units(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE rubrics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    toml TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE periods (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    year INTEGER NOT NULL,
    rubric_id INTEGER NOT NULL REFERENCES rubrics(id),
    status TEXT NOT NULL,
    published_at INTEGER,
    published_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE period_units (
    period_id INTEGER NOT NULL REFERENCES periods(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    PRIMARY KEY (period_id, unit_id)
);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    mime TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    uploaded_at INTEGER NOT NULL,
    bytes BLOB NOT NULL
);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    code TEXT NOT NULL,
    round TEXT NOT NULL,
    count INTEGER,
    level TEXT,
    points TEXT,
    note TEXT NOT NULL,
    matter TEXT,
    date TEXT,
    due TEXT,
    source TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    evidence_id INTEGER REFERENCES evidence(id),
    kind TEXT NOT NULL,
    replaces INTEGER UNIQUE REFERENCES entries(id),
    reason TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX entries_period ON entries (period_id, source, id);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    department_id INTEGER NOT NULL REFERENCES departments(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX reviews_period ON reviews (period_id, department_id, id);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    reason TEXT NOT NULL,
    filed_by INTEGER NOT NULL REFERENCES users(id),
    filed_at INTEGER NOT NULL
);
CREATE INDEX appeals_period ON appeals (period_id, id);

CREATE TABLE appeal_decisions (
    appeal_id INTEGER PRIMARY KEY REFERENCES appeals(id),
    accepted INTEGER NOT NULL,
    reason TEXT NOT NULL,
    decided_by INTEGER NOT NULL REFERENCES users(id),
    decided_at INTEGER NOT NULL,
    entry_id INTEGER REFERENCES entries(id)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- The ledger and the records of who decided what are append-only: the database itself refuses to change
-- or remove them, whatever code runs against it.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER appeal_decisions_no_update BEFORE UPDATE ON appeal_decisions
BEGIN SELECT RAISE(ABORT, 'appeal decisions are append-only'); END;
CREATE TRIGGER appeal_decisions_no_delete BEFORE DELETE ON appeal_decisions
BEGIN SELECT RAISE(ABORT, 'appeal decisions are append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
