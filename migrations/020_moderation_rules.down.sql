ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_matched_term_check;
ALTER TABLE content_flags DROP COLUMN IF EXISTS matched_term;
DROP TABLE IF EXISTS moderation_regexes;
DROP TABLE IF EXISTS moderation_exempt_roles;
DROP TABLE IF EXISTS moderation_categories;
DROP TABLE IF EXISTS moderation_allow;
DROP TABLE IF EXISTS moderation_keywords;
DROP TABLE IF EXISTS moderation_settings;
