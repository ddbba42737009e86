-- 091_rate_limit_buckets: the per-user, per-command rate limit shared by
-- every process on this database (SECOPS_RATE_LIMIT_STORE=postgres). One
-- row per user and command holds a GCRA "theoretical arrival time" (tat):
-- a call is allowed when max(tat, now) + interval - now <= burst*interval,
-- which is exactly the token bucket of the in-process limiter. allowed is
-- the answer of the last check, returned by the same statement. A row
-- whose tat has passed is a full bucket and is pruned. UNLOGGED: rate-limit
-- state is not worth WAL; a crash of PostgreSQL empties the table, which
-- only gives every user a full bucket again. Runnable with psql -f and safe
-- to re-run.
CREATE UNLOGGED TABLE IF NOT EXISTS rate_limit_buckets (
    user_id      text        NOT NULL CHECK (user_id ~ '^[0-9]{1,20}$'),
    command_name text        NOT NULL CHECK (length(command_name) <= 100),
    tat          timestamptz NOT NULL,
    allowed      boolean     NOT NULL,
    PRIMARY KEY (user_id, command_name)
);
CREATE INDEX IF NOT EXISTS rate_limit_buckets_tat_idx ON rate_limit_buckets (tat);

GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets TO embodied_app;
