-- 051_sandbox_guilds: the emulated guilds of `embodied sandbox` and
-- `embodied smoke`. Smoke runs on the staging database write only under
-- these guilds; health counts and the enforcement gate leave them out, so
-- a smoke run neither raises alerts nor passes for real Discord activity.
-- Runnable with psql -f and safe to re-run.

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

CREATE TABLE IF NOT EXISTS sandbox_guilds (
    guild_id   text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON sandbox_guilds TO embodied_app;
