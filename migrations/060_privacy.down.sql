-- 060_privacy down.
DROP FUNCTION IF EXISTS privacy_erase_audit(text, text, text);
DROP INDEX IF EXISTS security_audit_logs_target_idx;
DROP INDEX IF EXISTS audit_log_actor_idx;
