-- 064_guild_rule_budget down.
ALTER TABLE moderation_settings DROP CONSTRAINT IF EXISTS moderation_settings_overrun_action_check;
ALTER TABLE moderation_settings DROP COLUMN IF EXISTS overrun_action;
