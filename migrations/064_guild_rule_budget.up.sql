-- 064_guild_rule_budget: what happens to a text whose guild rules (its
-- regexes) did not finish within their time budget: flagged for review
-- (the default), refused, or allowed unchecked. Runnable with psql -f and
-- safe to re-run.
ALTER TABLE moderation_settings ADD COLUMN IF NOT EXISTS overrun_action text NOT NULL DEFAULT 'flag';
ALTER TABLE moderation_settings DROP CONSTRAINT IF EXISTS moderation_settings_overrun_action_check;
ALTER TABLE moderation_settings ADD CONSTRAINT moderation_settings_overrun_action_check
    CHECK (overrun_action IN ('flag', 'refuse', 'allow'));
