-- 071_message_moderation: a guild's choices for messages in its channels
-- (SECOPS_MODERATE_MESSAGES). Per category, what a matching message gets:
-- flagged for review (the default), deleted and flagged, or deleted,
-- flagged and a strike for its author. And the channels whose messages are
-- not checked. Runnable with psql -f and safe to re-run.

ALTER TABLE moderation_categories ADD COLUMN IF NOT EXISTS message_action text NOT NULL DEFAULT 'flag';
ALTER TABLE moderation_categories DROP CONSTRAINT IF EXISTS moderation_categories_message_action_check;
ALTER TABLE moderation_categories ADD CONSTRAINT moderation_categories_message_action_check
    CHECK (message_action IN ('flag', 'delete', 'strike'));

CREATE TABLE IF NOT EXISTS moderation_exempt_channels (
    guild_id   text        NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    channel_id text        NOT NULL CHECK (channel_id ~ '^[0-9]{1,20}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, channel_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON moderation_exempt_channels TO embodied_app;
