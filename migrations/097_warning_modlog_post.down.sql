-- 097_warning_modlog_post down: warnings forget their mod-log posts; a post
-- whose DM settles later keeps saying "DM: pending".
ALTER TABLE user_warnings DROP COLUMN IF EXISTS modlog_message_id;
ALTER TABLE user_warnings DROP COLUMN IF EXISTS modlog_channel_id;
