-- 097_warning_modlog_post: a warning keeps its mod-log post (channel and
-- message), so that the post's "DM:" line can be edited once a queued DM
-- settles (strike.Service.SettleDM). Both are null while there is no post
-- (no mod-log channel, or a post still queued). embodied_app already has
-- SELECT, INSERT, UPDATE on user_warnings. Runnable with psql -f and safe to
-- re-run.
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS modlog_channel_id text;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS modlog_message_id text;
