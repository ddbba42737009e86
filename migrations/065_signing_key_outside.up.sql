-- 065_signing_key_outside: the component signing key leaves the database,
-- whose backups leave the machine. On start the bot moves a key that an
-- earlier version kept in bot_settings to its key file
-- (COMPONENT_SIGNING_KEY_FILE), so buttons already posted keep working,
-- then deletes the row: the application role needs DELETE for that. The row
-- is not deleted here: that would lose the key before the bot has saved it.
-- Runnable with psql -f and safe to re-run.
GRANT DELETE ON bot_settings TO embodied_app;
