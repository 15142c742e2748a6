-- Kaoping store, PostgreSQL flavour. The SQLite tree has the same tables and columns; only the DDL differs
-- (BIGSERIAL vs INTEGER PRIMARY KEY, BYTEA vs BLOB, trigger syntax).
-- Portable types only: integer ids, decimal points as normalized TEXT, unix-millisecond BIGINT timestamps,
-- TEXT dates.

CREATE TABLE departments (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE org_units (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES org_units(id),
    kind TEXT NOT NULL,
    ranking_group TEXT
);

CREATE TABLE org_unit_groups (
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    position BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    PRIMARY KEY (unit_id, group_code)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    unit_id BIGINT REFERENCES org_units(id),
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

CREATE TABLE rubrics (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    toml TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE periods (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    rubric_id BIGINT NOT NULL REFERENCES rubrics(id),
    status TEXT NOT NULL,
    published_at BIGINT,
    published_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE period_units (
    period_id BIGINT NOT NULL REFERENCES periods(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    PRIMARY KEY (period_id, unit_id)
);

CREATE TABLE evidence (
    id BIGSERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    mime TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);

CREATE TABLE entries (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    code TEXT NOT NULL,
    round TEXT NOT NULL,
    count BIGINT,
    level TEXT,
    points TEXT,
    note TEXT NOT NULL,
    matter TEXT,
    date TEXT,
    due TEXT,
    source TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    evidence_id BIGINT REFERENCES evidence(id),
    kind TEXT NOT NULL,
    replaces BIGINT UNIQUE REFERENCES entries(id),
    reason TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX entries_period ON entries (period_id, source, id);

CREATE TABLE reviews (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX reviews_period ON reviews (period_id, department_id, id);

CREATE TABLE appeals (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    entry_id BIGINT NOT NULL REFERENCES entries(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    reason TEXT NOT NULL,
    filed_by BIGINT NOT NULL REFERENCES users(id),
    filed_at BIGINT NOT NULL
);
CREATE INDEX appeals_period ON appeals (period_id, id);

CREATE TABLE appeal_decisions (
    appeal_id BIGINT PRIMARY KEY REFERENCES appeals(id),
    accepted BIGINT NOT NULL,
    reason TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL,
    entry_id BIGINT REFERENCES entries(id)
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- The ledger and the records of who decided what are append-only: the database itself refuses to change
-- or remove them, whatever code runs against it.
-- The ledger and the records of who decided what are append-only: the database itself refuses to change
-- or remove them, whatever code runs against it.
CREATE FUNCTION kaoping_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER appeal_decisions_append_only BEFORE UPDATE OR DELETE ON appeal_decisions
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
