-- A period's state is kept in each server process and checked against the ledger's head on every request:
-- the last entry id of the period (cheap with the index below) and the period's revision, which every
-- change to the period itself (publishing) or to the organisation (units, groups) increases.
ALTER TABLE periods ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
CREATE INDEX entries_period_id ON entries (period_id, id);
-- Evidence downloads look up the entries citing a file.
CREATE INDEX entries_evidence ON entries (evidence_id);
