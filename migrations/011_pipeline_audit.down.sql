DROP TABLE IF EXISTS bot_settings;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
DROP TRIGGER IF EXISTS audit_log_chain ON audit_log;
DROP FUNCTION IF EXISTS audit_log_chain();
DROP TABLE IF EXISTS security_audit_logs CASCADE;
DROP FUNCTION IF EXISTS audit_append_only();
DROP FUNCTION IF EXISTS audit_row_hash(bytea, bigint, text, text, timestamptz, bytea);
DROP FUNCTION IF EXISTS audit_content_digest(bytea, text, text, text, jsonb);
DROP TABLE IF EXISTS audit_checkpoints;
DROP INDEX IF EXISTS audit_log_seq_idx;
DROP INDEX IF EXISTS audit_log_event_id_idx;
ALTER TABLE audit_log DROP COLUMN IF EXISTS event_id, DROP COLUMN IF EXISTS seq, DROP COLUMN IF EXISTS salt,
    DROP COLUMN IF EXISTS content_digest, DROP COLUMN IF EXISTS prev_hash, DROP COLUMN IF EXISTS row_hash,
    DROP COLUMN IF EXISTS erased_at;
