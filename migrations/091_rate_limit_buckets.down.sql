-- 091_rate_limit_buckets down: forgets the shared rate-limit buckets (every
-- user gets a full bucket); set SECOPS_RATE_LIMIT_STORE=memory first.
DROP TABLE IF EXISTS rate_limit_buckets;
