-- Activity records (记录本): 支委会, 党课, 党费 … as units record them. Append-only like the ledger: a
-- correction, a withdrawal or a department's rejection is a new row naming the one it replaces.
CREATE TABLE activity_records (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    attendees INTEGER,
    eligible INTEGER,
    evidence_id INTEGER REFERENCES evidence(id),
    action TEXT NOT NULL,
    replaces INTEGER UNIQUE REFERENCES activity_records(id),
    reason TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX activity_records_period ON activity_records (period_id, unit_code, id);

CREATE TRIGGER activity_records_no_update BEFORE UPDATE ON activity_records
BEGIN SELECT RAISE(ABORT, 'activity records are append-only'); END;
CREATE TRIGGER activity_records_no_delete BEFORE DELETE ON activity_records
BEGIN SELECT RAISE(ABORT, 'activity records are append-only'); END;
CREATE TRIGGER activity_records_no_replace BEFORE INSERT ON activity_records
WHEN EXISTS (SELECT 1 FROM activity_records WHERE id = NEW.id)
  OR (NEW.replaces IS NOT NULL AND EXISTS (SELECT 1 FROM activity_records WHERE replaces = NEW.replaces))
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: activity_records.replaces'); END;
