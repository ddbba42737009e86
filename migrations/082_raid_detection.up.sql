-- 082_raid_detection: raid detection's per-guild settings (defaults in
-- internal/raid.Defaults when a guild has no row) and the raids in
-- progress, kept so that a restart still ends raid mode after its quiet
-- period and restores the verification level it raised. Runnable with
-- psql -f and safe to re-run.
CREATE TABLE IF NOT EXISTS raid_settings (
    guild_id       text        PRIMARY KEY CHECK (guild_id ~ '^[0-9]{1,20}$'),
    joins          integer     NOT NULL CHECK (joins BETWEEN 2 AND 1000),
    window_seconds integer     NOT NULL CHECK (window_seconds BETWEEN 5 AND 3600),
    young_percent  integer     NOT NULL CHECK (young_percent BETWEEN 0 AND 100),
    young_seconds  bigint      NOT NULL CHECK (young_seconds BETWEEN 3600 AND 31536000),
    action         text        NOT NULL CHECK (action IN ('timeout', 'verification')),
    timeout_seconds integer    NOT NULL CHECK (timeout_seconds BETWEEN 60 AND 2419200),
    level          integer     NOT NULL CHECK (level BETWEEN 1 AND 4),
    quiet_seconds  integer     NOT NULL CHECK (quiet_seconds BETWEEN 60 AND 86400),
    updated_by     text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS raid_states (
    guild_id       text        PRIMARY KEY CHECK (guild_id ~ '^[0-9]{1,20}$'),
    started_at     timestamptz NOT NULL,
    last_join_at   timestamptz NOT NULL,
    action         text        NOT NULL CHECK (action IN ('timeout', 'verification')),
    enforced       boolean     NOT NULL,
    -- -1: raid mode did not change the verification level.
    previous_level integer     NOT NULL CHECK (previous_level BETWEEN -1 AND 4),
    joins          integer     NOT NULL DEFAULT 0 CHECK (joins >= 0)
);

GRANT SELECT, INSERT, UPDATE ON raid_settings TO embodied_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON raid_states TO embodied_app;
