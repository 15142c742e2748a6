-- Attendance and exam imports (issue 10, part 3): the figures each import brought, kept as imported.
-- Append-only like the ledger: importing a month again adds rows, and the latest row of a period, person
-- and month (or quarter) is the one that counts; the rows it replaced stay to read.
CREATE TABLE attendance_months (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    month TEXT NOT NULL,
    days_due BIGINT NOT NULL,
    days_present BIGINT NOT NULL,
    late BIGINT NOT NULL,
    early BIGINT NOT NULL,
    absent BIGINT NOT NULL,
    file TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX attendance_months_key ON attendance_months (period_id, unit_code, month, id);

CREATE TABLE exam_scores (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    quarter BIGINT NOT NULL,
    score TEXT NOT NULL,
    file TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX exam_scores_key ON exam_scores (period_id, unit_code, quarter, id);

CREATE TRIGGER attendance_months_append_only BEFORE UPDATE OR DELETE ON attendance_months
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER exam_scores_append_only BEFORE UPDATE OR DELETE ON exam_scores
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
