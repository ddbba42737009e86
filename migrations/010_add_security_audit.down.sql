DROP TABLE IF EXISTS audit_log, user_warnings, user_moderation, rate_limit_violations, content_flags CASCADE;
