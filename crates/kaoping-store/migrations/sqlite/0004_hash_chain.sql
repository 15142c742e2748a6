-- Results anyone can check (docs/hash-chain.md). Every record that decides a score or who may change one is
-- linked, in the transaction that writes it, into a hash chain: one per period (`period:N`: the period's
-- state, its entries, reviews, appeals and decisions, publications, and the evidence and audit records
-- written with them) and one for the rest (`org`: departments, units, users, rubric versions, other evidence
-- and audit records). A link keeps the SHA-256 of the record's canonical content, so `kaoping verify` can
-- tell a changed record from a changed link.
CREATE TABLE chain_links (
    id INTEGER PRIMARY KEY,
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
-- Evidence is stored once per content and linked once: an upload looks for its link. No other lookup by
-- record needs an index (verify reads the chains whole), and every appended entry would pay for one.
CREATE INDEX chain_links_evidence ON chain_links (record_id) WHERE kind = 'evidence';

-- Records that existed before the chain are linked once, by the first process that starts on the new
-- schema; this row says it happened, so records inserted later behind the application's back are never
-- adopted.
CREATE TABLE chain_adopted (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL
);

-- A publication of a period's results: revision 1 when it is published, 2, 3 … for each correction after.
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    revision INTEGER NOT NULL,
    head_entry INTEGER NOT NULL,
    ledger_head TEXT NOT NULL,
    results TEXT NOT NULL,
    digest TEXT NOT NULL,
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    by_user INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL,
    UNIQUE (period_id, revision)
);

CREATE TRIGGER chain_links_no_update BEFORE UPDATE ON chain_links
BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END;
CREATE TRIGGER chain_links_no_delete BEFORE DELETE ON chain_links
BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END;
CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
CREATE TRIGGER rubrics_no_update BEFORE UPDATE ON rubrics
BEGIN SELECT RAISE(ABORT, 'rubric versions are append-only'); END;
CREATE TRIGGER rubrics_no_delete BEFORE DELETE ON rubrics
BEGIN SELECT RAISE(ABORT, 'rubric versions are append-only'); END;
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER appeals_no_update BEFORE UPDATE ON appeals
BEGIN SELECT RAISE(ABORT, 'appeals are append-only'); END;
CREATE TRIGGER appeals_no_delete BEFORE DELETE ON appeals
BEGIN SELECT RAISE(ABORT, 'appeals are append-only'); END;
CREATE TRIGGER periods_stay_published BEFORE UPDATE OF status ON periods
WHEN OLD.status = 'published' AND NEW.status <> 'published'
BEGIN SELECT RAISE(ABORT, 'a published period cannot be reopened'); END;

-- INSERT OR REPLACE deletes the row it collides with without firing the delete triggers: refuse an insert
-- that collides with a row of an append-only table.
CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM entries WHERE id = NEW.id)
  OR (NEW.replaces IS NOT NULL AND EXISTS (SELECT 1 FROM entries WHERE replaces = NEW.replaces))
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: entries.replaces'); END;
CREATE TRIGGER reviews_no_replace BEFORE INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM reviews WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER appeals_no_replace BEFORE INSERT ON appeals
WHEN EXISTS (SELECT 1 FROM appeals WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'appeals are append-only'); END;
CREATE TRIGGER appeal_decisions_no_replace BEFORE INSERT ON appeal_decisions
WHEN EXISTS (SELECT 1 FROM appeal_decisions WHERE appeal_id = NEW.appeal_id)
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: appeal_decisions.appeal_id'); END;
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER chain_links_no_replace BEFORE INSERT ON chain_links
WHEN EXISTS (SELECT 1 FROM chain_links WHERE id = NEW.id OR (chain = NEW.chain AND seq = NEW.seq))
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: chain_links.chain, chain_links.seq'); END;
CREATE TRIGGER publications_no_replace BEFORE INSERT ON publications
WHEN EXISTS (SELECT 1 FROM publications WHERE id = NEW.id
             OR (period_id = NEW.period_id AND revision = NEW.revision))
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: publications.period_id, publications.revision'); END;
CREATE TRIGGER rubrics_no_replace BEFORE INSERT ON rubrics
WHEN EXISTS (SELECT 1 FROM rubrics WHERE id = NEW.id OR (name = NEW.name AND version = NEW.version))
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: rubrics.name, rubrics.version'); END;
-- Evidence is stored once per content: a second upload of the same bytes is skipped, never replaced.
CREATE TRIGGER evidence_no_replace BEFORE INSERT ON evidence
WHEN EXISTS (SELECT 1 FROM evidence WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_once BEFORE INSERT ON evidence
WHEN EXISTS (SELECT 1 FROM evidence WHERE sha256 = NEW.sha256)
BEGIN SELECT RAISE(IGNORE); END;
