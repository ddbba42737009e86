-- 083_lockdown: channels locked by /security lockdown. A lockdown denies
-- @everyone Send Messages and thread creation in a channel; each row
-- remembers the channel's @everyone overwrite as it was before (absent, or
-- its allow and deny bitsets), so that unlock restores it exactly. A row
-- is written before the overwrite changes and deleted once it is restored;
-- locking a locked channel again keeps the remembered original. locked_until
-- is when a timed lockdown lifts itself (NULL: until an admin unlocks),
-- also after a restart. Runnable with psql -f and safe to re-run.
CREATE TABLE IF NOT EXISTS channel_lockdowns (
    guild_id      text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    channel_id    text        NOT NULL CHECK (channel_id ~ '^[0-9]{1,20}$'),
    had_overwrite boolean     NOT NULL,
    prev_allow    bigint      NOT NULL DEFAULT 0,
    prev_deny     bigint      NOT NULL DEFAULT 0,
    locked_by     text        NOT NULL,
    reason        text        NOT NULL DEFAULT '' CHECK (length(reason) <= 512),
    locked_at     timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz,
    PRIMARY KEY (guild_id, channel_id),
    CONSTRAINT channel_lockdowns_absent_overwrite CHECK (had_overwrite OR (prev_allow = 0 AND prev_deny = 0))
);
CREATE INDEX IF NOT EXISTS channel_lockdowns_until_idx ON channel_lockdowns (locked_until) WHERE locked_until IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON channel_lockdowns TO embodied_app;
