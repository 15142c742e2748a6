-- Ballot campaigns (民主评议, 述职评议): docs/ballots.md. Anonymity by construction: a ballot row holds
-- its campaign, the voter's class (needed for weighting), whether it counts and its ratings; no code, no
-- time, no address, and a random id (the table has no rowid, so its physical order is the ids' order,
-- not the order ballots came in). A code row says only whether it has been used: nothing joins the two.
CREATE TABLE ballot_campaigns (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES periods(id),
    title TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    round TEXT NOT NULL,
    -- The campaign's rules as JSON, written by the application (kaoping-app ballots).
    settings TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    codes_issued_at INTEGER,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    closed_by INTEGER REFERENCES users(id),
    closed_at INTEGER,
    UNIQUE (period_id, title)
);

-- A voting code, kept only as its SHA-256: codes are shown once, when issued. `used`: 0 not yet,
-- 1 a ballot was cast with it, 2 taken by a paper slip of its class, 3 void (unused when the codes were
-- issued again: a lost sheet of slips).
CREATE TABLE ballot_codes (
    code_hash TEXT PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES ballot_campaigns(id),
    class_index INTEGER NOT NULL,
    used INTEGER NOT NULL CHECK (used IN (0, 1, 2, 3))
) WITHOUT ROWID;
CREATE INDEX ballot_codes_campaign ON ballot_codes (campaign_id, class_index, used);

CREATE TABLE ballots (
    id TEXT PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES ballot_campaigns(id),
    class_index INTEGER NOT NULL,
    valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
    ratings TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX ballots_campaign ON ballots (campaign_id);

CREATE TRIGGER ballots_no_update BEFORE UPDATE ON ballots
BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;
CREATE TRIGGER ballots_no_delete BEFORE DELETE ON ballots
BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;
CREATE TRIGGER ballots_no_replace BEFORE INSERT ON ballots
WHEN EXISTS (SELECT 1 FROM ballots WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'ballots are append-only'); END;
CREATE TRIGGER ballot_codes_no_delete BEFORE DELETE ON ballot_codes
BEGIN SELECT RAISE(ABORT, 'voting codes are kept'); END;
CREATE TRIGGER ballot_codes_stay_used BEFORE UPDATE OF used ON ballot_codes
WHEN OLD.used <> 0 AND NEW.used <> OLD.used
BEGIN SELECT RAISE(ABORT, 'a used voting code stays used'); END;
CREATE TRIGGER ballot_campaigns_stay_closed BEFORE UPDATE OF status ON ballot_campaigns
WHEN OLD.status = 'closed' AND NEW.status <> 'closed'
BEGIN SELECT RAISE(ABORT, 'a closed campaign cannot be reopened'); END;

-- A campaign's close, linked into its period's hash chain: its content holds the campaign's settings (as
-- their SHA-256), every ballot and every code's state at that moment, so `kaoping verify` names any ballot
-- changed, added or removed after the count.
CREATE TABLE ballot_closings (
    campaign_id INTEGER PRIMARY KEY REFERENCES ballot_campaigns(id),
    closed_by INTEGER NOT NULL REFERENCES users(id),
    closed_at INTEGER NOT NULL
);
CREATE TRIGGER ballot_closings_no_update BEFORE UPDATE ON ballot_closings
BEGIN SELECT RAISE(ABORT, 'ballot closings are append-only'); END;
CREATE TRIGGER ballot_closings_no_delete BEFORE DELETE ON ballot_closings
BEGIN SELECT RAISE(ABORT, 'ballot closings are append-only'); END;
CREATE TRIGGER ballot_closings_no_replace BEFORE INSERT ON ballot_closings
WHEN EXISTS (SELECT 1 FROM ballot_closings WHERE campaign_id = NEW.campaign_id)
BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: ballot_closings.campaign_id'); END;

-- Failed votes per address (an unknown code), for the rate limit against guessing codes.
CREATE TABLE vote_failures (
    id INTEGER PRIMARY KEY,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX vote_failures_ip ON vote_failures (ip, at);
