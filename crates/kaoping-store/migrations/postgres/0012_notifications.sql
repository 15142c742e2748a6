-- Reminders (issue 10, part 6): where the daily digest of early warnings is sent, how e-mail is sent,
-- and an outbox of every message with its attempts. Configuration only the administrator changes; the
-- outbox is written by the worker of every `kaoping serve` process, which claims a due row before
-- sending it (`claimed_until`), so several processes never send one message twice.
CREATE TABLE notify_channels (
    id BIGSERIAL PRIMARY KEY,
    -- wecom | dingtalk | email
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The robot's webhook URL (wecom, dingtalk) or the recipients, one per line (email).
    target TEXT NOT NULL,
    -- DingTalk's signing secret (加签), empty when unused.
    secret TEXT NOT NULL DEFAULT '',
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The one SMTP server (id = 1). The password is kept to log in and never shown again.
CREATE TABLE notify_smtp (
    id BIGINT PRIMARY KEY,
    host TEXT NOT NULL,
    port BIGINT NOT NULL,
    -- none | starttls | tls
    security TEXT NOT NULL,
    username TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per (channel, message). The channel's kind and name are copied, so a row outlives its channel.
CREATE TABLE notify_outbox (
    id BIGSERIAL PRIMARY KEY,
    channel_id BIGINT REFERENCES notify_channels (id) ON DELETE SET NULL,
    channel_kind TEXT NOT NULL,
    channel_name TEXT NOT NULL,
    -- digest | test
    purpose TEXT NOT NULL,
    -- `digest:<day>:<channel id>`: a digest is queued at most once per day per channel.
    dedup_key TEXT UNIQUE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kaoping_runtime') THEN
        GRANT UPDATE, DELETE ON notify_channels, notify_smtp TO kaoping_runtime;
        GRANT UPDATE ON notify_outbox TO kaoping_runtime;
    END IF;
END
$$;
