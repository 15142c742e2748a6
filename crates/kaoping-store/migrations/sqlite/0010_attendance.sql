-- Attendance and exam imports (issue 10, part 3): the figures each import brought, kept as imported.
-- Append-only like the ledger: importing a month again adds rows, and the latest row of a period, person
-- and month (or quarter) is the one that counts; the rows it replaced stay to read.
CREATE TABLE attendance_months (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    month TEXT NOT NULL,
    days_due INTEGER NOT NULL,
    days_present INTEGER NOT NULL,
    late INTEGER NOT NULL,
    early INTEGER NOT NULL,
    absent INTEGER NOT NULL,
    file TEXT NOT NULL,
    by_user INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX attendance_months_key ON attendance_months (period_id, unit_code, month, id);

CREATE TABLE exam_scores (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    quarter INTEGER NOT NULL,
    score TEXT NOT NULL,
    file TEXT NOT NULL,
    by_user INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX exam_scores_key ON exam_scores (period_id, unit_code, quarter, id);

CREATE TRIGGER attendance_months_no_update BEFORE UPDATE ON attendance_months
BEGIN SELECT RAISE(ABORT, 'attendance_months are append-only'); END;
CREATE TRIGGER attendance_months_no_delete BEFORE DELETE ON attendance_months
BEGIN SELECT RAISE(ABORT, 'attendance_months are append-only'); END;
CREATE TRIGGER exam_scores_no_update BEFORE UPDATE ON exam_scores
BEGIN SELECT RAISE(ABORT, 'exam_scores are append-only'); END;
CREATE TRIGGER exam_scores_no_delete BEFORE DELETE ON exam_scores
BEGIN SELECT RAISE(ABORT, 'exam_scores are append-only'); END;
