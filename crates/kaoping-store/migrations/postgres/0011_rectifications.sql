-- 整改 (issue 10, part 5): a deduction may require rectification by a date; the unit reports, the owning
-- department accepts or returns the report. A requirement names one ledger entry (one requirement per
-- entry); its steps are appended, never changed, and its state is read from the last step (none or a
-- return: 待整改; a report: 待验收; an acceptance: 已通过). Both tables are linked into the period's hash
-- chain (docs/hash-chain.md) in the transaction that writes them, under the period's lock.
CREATE TABLE rectifications (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    entry_id BIGINT NOT NULL UNIQUE REFERENCES entries(id),
    unit_code TEXT NOT NULL,
    code TEXT NOT NULL,
    requirement TEXT NOT NULL,
    due TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX rectifications_period ON rectifications (period_id, id);

CREATE TABLE rectification_steps (
    id BIGSERIAL PRIMARY KEY,
    rectification_id BIGINT NOT NULL REFERENCES rectifications(id),
    kind TEXT NOT NULL CHECK (kind IN ('report', 'accept', 'return')),
    text TEXT NOT NULL,
    evidence_id BIGINT REFERENCES evidence(id),
    actor BIGINT NOT NULL REFERENCES users(id),
    -- The day of the step by the application's clock (China time, YYYY-MM-DD): what overdue is judged on.
    day TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rectification_steps_of ON rectification_steps (rectification_id, id);

CREATE TRIGGER rectifications_append_only BEFORE UPDATE OR DELETE ON rectifications
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER rectification_steps_append_only BEFORE UPDATE OR DELETE ON rectification_steps
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
