-- 096_backup_reads: a complete backup as the application role. Scheduled
-- backups run as MIGRATION_DATABASE_URL, which defaults to DATABASE_URL, so
-- in a deployment that gives the bot only its own login (a member of
-- embodied_app) pg_dump runs as that role. It could read every table, but
-- not the identity sequences' state (pg_dump reads last_value of each), so
-- every backup failed with "permission denied for sequence". SELECT on a
-- sequence reveals its last value only; nextval still needs USAGE, which
-- inserts already use through the tables' defaults. `migrate verify` checks
-- that every table and sequence stays readable by embodied_app (later
-- migrations grant their own). Runnable with psql -f and safe to re-run.
DO $$
BEGIN
    EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO embodied_app', current_schema());
END $$;
