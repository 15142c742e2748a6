-- Results anyone can check (docs/hash-chain.md); the SQLite tree has the same tables. Every record that
-- decides a score or who may change one is linked, in the transaction that writes it, into a hash chain: one
-- per period (`period:N`) and one for the rest (`org`). A link keeps the SHA-256 of the record's canonical
-- content, so `kaoping verify` can tell a changed record from a changed link.
CREATE TABLE chain_links (
    id BIGSERIAL PRIMARY KEY,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
-- Evidence is stored once per content and linked once: an upload looks for its link. No other lookup by
-- record needs an index (verify reads the chains whole), and every appended entry would pay for one.
CREATE INDEX chain_links_evidence ON chain_links (record_id) WHERE kind = 'evidence';

CREATE TABLE chain_adopted (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL
);

CREATE TABLE publications (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    revision BIGINT NOT NULL,
    head_entry BIGINT NOT NULL,
    ledger_head TEXT NOT NULL,
    results TEXT NOT NULL,
    digest TEXT NOT NULL,
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    by_user BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    UNIQUE (period_id, revision)
);

CREATE TRIGGER chain_links_append_only BEFORE UPDATE OR DELETE ON chain_links
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER publications_append_only BEFORE UPDATE OR DELETE ON publications
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER rubrics_append_only BEFORE UPDATE OR DELETE ON rubrics
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER appeals_append_only BEFORE UPDATE OR DELETE ON appeals
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();

-- Row triggers do not see TRUNCATE: refuse it on every append-only table.
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER appeals_no_truncate BEFORE TRUNCATE ON appeals
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER appeal_decisions_no_truncate BEFORE TRUNCATE ON appeal_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER chain_links_no_truncate BEFORE TRUNCATE ON chain_links
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER publications_no_truncate BEFORE TRUNCATE ON publications
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER rubrics_no_truncate BEFORE TRUNCATE ON rubrics
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();

CREATE FUNCTION kaoping_stay_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' AND NEW.status <> 'published' THEN
        RAISE EXCEPTION 'a published period cannot be reopened';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER periods_stay_published BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION kaoping_stay_published();
