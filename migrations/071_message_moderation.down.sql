-- 071_message_moderation down.
DROP TABLE IF EXISTS moderation_exempt_channels;
ALTER TABLE moderation_categories DROP CONSTRAINT IF EXISTS moderation_categories_message_action_check;
ALTER TABLE moderation_categories DROP COLUMN IF EXISTS message_action;
