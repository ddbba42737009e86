-- 072_automod_sync down.
DROP TABLE IF EXISTS automod_executions;
DROP TABLE IF EXISTS automod_rules;
DROP TABLE IF EXISTS automod_settings;
