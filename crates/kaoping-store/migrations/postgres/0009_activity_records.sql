-- Activity records (记录本): 支委会, 党课, 党费 … as units record them. Append-only like the ledger: a
-- correction, a withdrawal or a department's rejection is a new row naming the one it replaces.
CREATE TABLE activity_records (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    attendees BIGINT,
    eligible BIGINT,
    evidence_id BIGINT REFERENCES evidence(id),
    action TEXT NOT NULL,
    replaces BIGINT UNIQUE REFERENCES activity_records(id),
    reason TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX activity_records_period ON activity_records (period_id, unit_code, id);

CREATE TRIGGER activity_records_append_only BEFORE UPDATE OR DELETE ON activity_records
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER activity_records_no_truncate BEFORE TRUNCATE ON activity_records
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
