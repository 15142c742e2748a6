-- Ballot campaigns (民主评议, 述职评议): docs/ballots.md. Anonymity by construction: a ballot row holds
-- its campaign, the voter's class (needed for weighting), whether it counts and its ratings; no code, no
-- time, no address, and a random id. A code row says only whether it has been used: nothing joins the
-- two. (PostgreSQL keeps the writing transaction's id in every row's xmin: closing a campaign rewrites
-- its code rows, so afterwards their xmin no longer says which vote used them; see SECURITY.md.)
CREATE TABLE ballot_campaigns (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES periods(id),
    title TEXT NOT NULL,
    rule_code TEXT NOT NULL,
    round TEXT NOT NULL,
    settings TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    codes_issued_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_by BIGINT REFERENCES users(id),
    closed_at BIGINT,
    UNIQUE (period_id, title)
);

CREATE TABLE ballot_codes (
    code_hash TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES ballot_campaigns(id),
    class_index BIGINT NOT NULL,
    used BIGINT NOT NULL CHECK (used IN (0, 1, 2, 3))
);
CREATE INDEX ballot_codes_campaign ON ballot_codes (campaign_id, class_index, used);

CREATE TABLE ballots (
    id TEXT PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES ballot_campaigns(id),
    class_index BIGINT NOT NULL,
    valid BIGINT NOT NULL CHECK (valid IN (0, 1)),
    ratings TEXT NOT NULL
);
CREATE INDEX ballots_campaign ON ballots (campaign_id);

CREATE TRIGGER ballots_append_only BEFORE UPDATE OR DELETE ON ballots
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER ballots_no_truncate BEFORE TRUNCATE ON ballots
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();

CREATE FUNCTION kaoping_code_stays_used() RETURNS trigger AS $$
BEGIN
    IF OLD.used <> 0 AND NEW.used <> OLD.used THEN
        RAISE EXCEPTION 'a used voting code stays used';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ballot_codes_stay_used BEFORE UPDATE ON ballot_codes
    FOR EACH ROW EXECUTE FUNCTION kaoping_code_stays_used();
CREATE TRIGGER ballot_codes_no_delete BEFORE DELETE ON ballot_codes
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();

CREATE FUNCTION kaoping_campaign_stays_closed() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'closed' AND NEW.status <> 'closed' THEN
        RAISE EXCEPTION 'a closed campaign cannot be reopened';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ballot_campaigns_stay_closed BEFORE UPDATE ON ballot_campaigns
    FOR EACH ROW EXECUTE FUNCTION kaoping_campaign_stays_closed();

-- A campaign's close, linked into its period's hash chain: its content holds the campaign's settings (as
-- their SHA-256), every ballot and every code's state at that moment, so `kaoping verify` names any ballot
-- changed, added or removed after the count.
CREATE TABLE ballot_closings (
    campaign_id BIGINT PRIMARY KEY REFERENCES ballot_campaigns(id),
    closed_by BIGINT NOT NULL REFERENCES users(id),
    closed_at BIGINT NOT NULL
);
CREATE TRIGGER ballot_closings_append_only BEFORE UPDATE OR DELETE ON ballot_closings
    FOR EACH ROW EXECUTE FUNCTION kaoping_append_only();
CREATE TRIGGER ballot_closings_no_truncate BEFORE TRUNCATE ON ballot_closings
    FOR EACH STATEMENT EXECUTE FUNCTION kaoping_append_only();

CREATE TABLE vote_failures (
    id BIGSERIAL PRIMARY KEY,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX vote_failures_ip ON vote_failures (ip, at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kaoping_runtime') THEN
        GRANT UPDATE ON ballot_campaigns, ballot_codes TO kaoping_runtime;
        GRANT DELETE ON vote_failures TO kaoping_runtime;
    END IF;
END
$$;
