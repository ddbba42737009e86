-- 081_guild_snapshot: the last known state of each guild's roles and
-- channels, kept from gateway events, so that what a compromised admin or a
-- raid deleted can be listed (/security nuke-report) and recreated as it
-- was. A deleted role or channel keeps its last state with deleted_at (and
-- the deleting member when known); recreated_id names what the bot
-- recreated it as, so that a second click creates nothing and overwrites
-- naming a deleted role point at its recreation. Runnable with psql -f and
-- safe to re-run.

CREATE TABLE IF NOT EXISTS guild_snapshot (
    guild_id     text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    kind         text        NOT NULL CHECK (kind IN ('role', 'channel')),
    object_id    text        NOT NULL CHECK (object_id ~ '^[0-9]{1,20}$'),
    state        jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    deleted_by   text,
    recreated_id text,
    recreated_at timestamptz,
    PRIMARY KEY (guild_id, kind, object_id)
);
CREATE INDEX IF NOT EXISTS guild_snapshot_deleted_idx ON guild_snapshot (guild_id, deleted_at) WHERE deleted_at IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON guild_snapshot TO embodied_app;
