-- 070_server_moderation down. Rows of the two new categories are removed
-- first, or the old checks could not be restored.
DELETE FROM moderation_keywords WHERE category IN ('self_harm', 'sextortion');
DELETE FROM moderation_categories WHERE category IN ('self_harm', 'sextortion');
UPDATE moderation_settings SET regex_category = 'profanity' WHERE regex_category IN ('self_harm', 'sextortion');
ALTER TABLE moderation_settings DROP CONSTRAINT IF EXISTS moderation_settings_regex_category_check;
ALTER TABLE moderation_settings ADD CONSTRAINT moderation_settings_regex_category_check
    CHECK (regex_category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam'));
ALTER TABLE moderation_keywords DROP CONSTRAINT IF EXISTS moderation_keywords_category_check;
ALTER TABLE moderation_keywords ADD CONSTRAINT moderation_keywords_category_check
    CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam'));
ALTER TABLE moderation_categories DROP CONSTRAINT IF EXISTS moderation_categories_category_check;
ALTER TABLE moderation_categories ADD CONSTRAINT moderation_categories_category_check
    CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam'));
DROP INDEX IF EXISTS content_flags_reporter_idx;
ALTER TABLE content_flags DROP COLUMN IF EXISTS report_reason;
ALTER TABLE content_flags DROP COLUMN IF EXISTS reporter_id;
ALTER TABLE content_flags DROP COLUMN IF EXISTS message_deleted;
ALTER TABLE content_flags DROP COLUMN IF EXISTS message_id;
ALTER TABLE content_flags DROP COLUMN IF EXISTS channel_id;
