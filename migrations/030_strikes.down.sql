DROP TABLE IF EXISTS guild_strike_settings;
DROP TABLE IF EXISTS guild_case_counters;
DROP INDEX IF EXISTS user_moderation_warning_idx;
ALTER TABLE user_moderation DROP CONSTRAINT IF EXISTS user_moderation_status_check;
ALTER TABLE user_moderation DROP COLUMN IF EXISTS warning_id, DROP COLUMN IF EXISTS status, DROP COLUMN IF EXISTS error;
DROP INDEX IF EXISTS user_warnings_active_idx;
DROP INDEX IF EXISTS user_warnings_case_idx;
DROP INDEX IF EXISTS user_warnings_interaction_idx;
ALTER TABLE user_warnings DROP CONSTRAINT IF EXISTS user_warnings_pardon_check;
ALTER TABLE user_warnings DROP CONSTRAINT IF EXISTS user_warnings_dm_status_check;
ALTER TABLE user_warnings DROP COLUMN IF EXISTS case_number, DROP COLUMN IF EXISTS interaction_id,
    DROP COLUMN IF EXISTS pardoned_at, DROP COLUMN IF EXISTS pardoned_by, DROP COLUMN IF EXISTS pardon_reason,
    DROP COLUMN IF EXISTS dm_status;
