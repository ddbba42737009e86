-- 080_antinuke: anti-nuke limits, trusted actors and incidents per guild.
-- antinuke_limits overrides a kind's default limit (count actions within
-- window_seconds; one more is a breach). antinuke_trusted lists actors whose
-- actions are never counted (the owner and ADMIN_USER_ID always are, without
-- a row). antinuke_incidents records each breach: who, what, when and what
-- the bot did (or, in safe mode, would have done); /security nuke-report
-- reads them. Runnable with psql -f and safe to re-run.

CREATE TABLE IF NOT EXISTS antinuke_limits (
    guild_id       text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    kind           text        NOT NULL CHECK (kind IN ('channel-delete', 'role-delete', 'ban-kick',
                                                        'webhook-create', 'dangerous-grant', 'bot-add')),
    max_count      integer     NOT NULL CHECK (max_count BETWEEN 1 AND 1000),
    window_seconds integer     NOT NULL CHECK (window_seconds BETWEEN 1 AND 86400),
    updated_by     text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, kind)
);

CREATE TABLE IF NOT EXISTS antinuke_trusted (
    guild_id text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    user_id  text        NOT NULL CHECK (user_id ~ '^[0-9]{1,20}$'),
    added_by text        NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE IF NOT EXISTS antinuke_incidents (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    actor_id   text        NOT NULL CHECK (actor_id ~ '^[0-9]{1,20}$'),
    kind       text        NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NOT NULL,
    enforced   boolean     NOT NULL,
    -- the audit log entries that breached the limit, and what the bot did
    entry_ids  text[]      NOT NULL,
    actions    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS antinuke_incidents_guild_idx ON antinuke_incidents (guild_id, started_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON antinuke_limits, antinuke_trusted, antinuke_incidents TO embodied_app;
