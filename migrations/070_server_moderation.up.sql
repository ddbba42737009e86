-- 070_server_moderation: the review queue grows from the bot's own commands
-- to the whole server. A flag can come from a channel message, a Discord
-- AutoMod action or a member's report; it then names the message and its
-- channel (for the jump link), whether the bot deleted the message, and for
-- a report who reported it and why (shown to moderators only). Two
-- categories join the engine's: self_harm (encouragement of self-harm) and
-- sextortion (sexual extortion). Runnable with psql -f and safe to re-run.

ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS channel_id text;
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS message_id text;
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS message_deleted boolean NOT NULL DEFAULT false;
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS reporter_id text;
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS report_reason text;

ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_channel_id_check;
ALTER TABLE content_flags ADD CONSTRAINT content_flags_channel_id_check CHECK (channel_id ~ '^[0-9]{1,20}$');
ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_message_id_check;
ALTER TABLE content_flags ADD CONSTRAINT content_flags_message_id_check CHECK (message_id ~ '^[0-9]{1,20}$');
ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_reporter_id_check;
ALTER TABLE content_flags ADD CONSTRAINT content_flags_reporter_id_check CHECK (reporter_id ~ '^[0-9]{1,20}$');
-- Discord's modal text input holds at most 4000 characters.
ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_report_reason_check;
ALTER TABLE content_flags ADD CONSTRAINT content_flags_report_reason_check CHECK (length(report_reason) <= 4000);

-- A reporter's history (reports filed, reports dismissed) is one index scan.
CREATE INDEX IF NOT EXISTS content_flags_reporter_idx ON content_flags (guild_id, reporter_id, created_at)
    WHERE reporter_id IS NOT NULL;

-- The categories, with self_harm and sextortion.
ALTER TABLE moderation_settings DROP CONSTRAINT IF EXISTS moderation_settings_regex_category_check;
ALTER TABLE moderation_settings ADD CONSTRAINT moderation_settings_regex_category_check
    CHECK (regex_category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'self_harm', 'sextortion', 'pii', 'spam'));
ALTER TABLE moderation_keywords DROP CONSTRAINT IF EXISTS moderation_keywords_category_check;
ALTER TABLE moderation_keywords ADD CONSTRAINT moderation_keywords_category_check
    CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'self_harm', 'sextortion', 'pii', 'spam'));
ALTER TABLE moderation_categories DROP CONSTRAINT IF EXISTS moderation_categories_category_check;
ALTER TABLE moderation_categories ADD CONSTRAINT moderation_categories_category_check
    CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'self_harm', 'sextortion', 'pii', 'spam'));
