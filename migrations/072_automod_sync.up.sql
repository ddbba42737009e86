-- 072_automod_sync: Discord AutoMod kept in sync with the guild's rules.
-- automod_settings holds a guild's AutoMod choices (a strike on every
-- AutoMod execution, off by default) and what its last sync found (drift,
-- what could not be pushed), for /security status and doctor.
-- automod_rules lists the AutoMod rules the bot created per guild with
-- what it last pushed, so that a rule edited by hand in Discord is told
-- from one the bot changed. automod_executions deduplicates
-- AUTO_MODERATION_ACTION_EXECUTION events (Discord sends one per action):
-- one review-queue entry per message and rule. Runnable with psql -f and
-- safe to re-run.

CREATE TABLE IF NOT EXISTS automod_settings (
    guild_id            text        PRIMARY KEY CHECK (guild_id ~ '^[0-9]{1,20}$'),
    strike_on_execution boolean     NOT NULL DEFAULT false,
    updated_by          text,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    synced_at           timestamptz,
    sync_report         jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS automod_rules (
    guild_id  text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    rule_id   text        NOT NULL CHECK (rule_id ~ '^[0-9]{1,20}$'),
    name      text        NOT NULL CHECK (length(name) <= 100),
    pushed    jsonb       NOT NULL,
    pushed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, rule_id)
);

-- key is the message id, or for a blocked message (which has none) a hash
-- of the member, channel and match: no member id or text is kept here.
CREATE TABLE IF NOT EXISTS automod_executions (
    guild_id text        NOT NULL,
    rule_id  text        NOT NULL,
    key      text        NOT NULL,
    flag_id  bigint      REFERENCES content_flags (id) ON DELETE CASCADE,
    seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, rule_id, key)
);
CREATE INDEX IF NOT EXISTS automod_executions_seen_idx ON automod_executions (seen_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON automod_settings, automod_rules, automod_executions TO embodied_app;
