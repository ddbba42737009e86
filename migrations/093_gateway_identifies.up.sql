-- 093_gateway_identifies: when each identify bucket (shard_id %
-- max_concurrency) last identified to Discord's gateway, so that every
-- process on this database keeps to one IDENTIFY per bucket per 5 seconds,
-- also across a crash and a restart. A process takes a transaction-scoped
-- advisory lock per bucket, waits until the bucket's identified_at is old
-- enough, and writes the new time before it identifies. Runnable with psql
-- -f and safe to re-run.
CREATE TABLE IF NOT EXISTS gateway_identifies (
    bucket        integer     PRIMARY KEY CHECK (bucket >= 0),
    identified_at timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON gateway_identifies TO embodied_app;
