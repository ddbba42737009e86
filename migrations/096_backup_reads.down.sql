-- 096_backup_reads down: the application role no longer reads the
-- sequences' state, so pg_dump needs the schema owner again. River's own
-- sequences keep the grants River's migrator gave them.
DO $$
DECLARE s record;
BEGIN
    FOR s IN SELECT c.relname FROM pg_class c
        WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace AND c.relname NOT LIKE 'river\_%'
    LOOP
        EXECUTE format('REVOKE SELECT ON SEQUENCE %I.%I FROM embodied_app', current_schema(), s.relname);
    END LOOP;
END $$;
