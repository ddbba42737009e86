-- 050_rollout_records: what `embodied doctor --enforcement` reads before
-- SECOPS_ENFORCE_MODERATION=true: one row per periodic health check run
-- (the safe-mode soak) and one per `embodied smoke` run. Runnable with
-- psql -f and safe to re-run.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'embodied_app') THEN
        BEGIN
            CREATE ROLE embodied_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role embodied_app does not exist and % may not create it', current_user
                USING HINT = 'as a superuser run: CREATE ROLE embodied_app NOLOGIN; GRANT embodied_app TO <the bot''s login role> (see README, Database roles)';
        END;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS health_runs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ran_at             timestamptz NOT NULL,
    passed             boolean     NOT NULL,
    enforce_moderation boolean     NOT NULL,
    app_env            text        NOT NULL CHECK (length(app_env) <= 32),
    failures           integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    error              text        NOT NULL DEFAULT '' CHECK (length(error) <= 1000)
);
CREATE INDEX IF NOT EXISTS health_runs_recent_idx ON health_runs (ran_at DESC);

CREATE TABLE IF NOT EXISTS smoke_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    passed      boolean     NOT NULL,
    total       integer     NOT NULL CHECK (total >= 0),
    failed      integer     NOT NULL CHECK (failed >= 0 AND failed <= total),
    results     jsonb       NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX IF NOT EXISTS smoke_runs_recent_idx ON smoke_runs (finished_at DESC);

GRANT SELECT, INSERT, DELETE ON health_runs TO embodied_app;
GRANT SELECT, INSERT ON smoke_runs TO embodied_app;
