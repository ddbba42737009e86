-- 062_audit_chain_hardening: the application role cannot steer the audit
-- chain's triggers to tables of its own. Runnable with psql -f and safe to
-- re-run.
--
-- Unqualified names in a function resolve through the caller's search_path,
-- and pg_temp comes first in it unless listed: a session of the application
-- role with a TEMP table named audit_log made audit_log_chain() read that
-- table's forged head, and the chain broke for good. Both trigger functions
-- of the chain are pinned to the schema the tables live in, pg_temp last;
-- the hashes they call (audit_content_digest, audit_row_hash) then resolve
-- there too. Those two name no table, only pg_catalog functions, which
-- pg_temp cannot shadow; a SET clause would stop PostgreSQL inlining them
-- and make the hashing of `audit verify` 2.5 times slower (200,000 rows:
-- 3.6 s, not 1.4 s), so they are left as they are. The privacy_erase_*
-- functions (060, 061) pin theirs where they are defined.
DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('ALTER FUNCTION %I.audit_log_chain() SET search_path = %I, pg_temp', s, s);
    EXECUTE format('ALTER FUNCTION %I.audit_append_only() SET search_path = %I, pg_temp', s, s);
END
$$;

-- And the application role may not create temporary tables at all. Every
-- role gets TEMPORARY on a new database through PUBLIC; it is taken from
-- PUBLIC, from embodied_app and from any login role in embodied_app that
-- was granted it directly. Only the database's owner (or a superuser) may
-- revoke it: the README's setup makes the schema owner the database owner.
-- A database restored by `embodied restore` gets the same REVOKE.
DO $$
DECLARE
    db   text := current_database();
    member text;
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', db);
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM embodied_app', db);
    FOR member IN
        SELECT m.rolname FROM pg_roles m, pg_database d
        WHERE d.datname = db AND pg_has_role(m.oid, 'embodied_app', 'MEMBER') AND NOT m.rolsuper
          AND m.oid <> d.datdba AND has_database_privilege(m.oid, d.oid, 'TEMPORARY')
    LOOP
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %I', db, member);
    END LOOP;
    SELECT m.rolname INTO member FROM pg_roles m, pg_database d
    WHERE d.datname = db AND pg_has_role(m.oid, 'embodied_app', 'MEMBER') AND NOT m.rolsuper
      AND m.oid <> d.datdba AND has_database_privilege(m.oid, d.oid, 'TEMPORARY')
    LIMIT 1;
    IF member IS NOT NULL THEN
        -- golang-migrate reports the message and DETAIL, not HINT.
        RAISE EXCEPTION 'role % (embodied_app) can still create temporary tables in database %, and % may not revoke it', member, db, current_user
            USING DETAIL = format('as the database owner or a superuser run: REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, embodied_app, %I; '
                'nothing of 062 was applied: set schema_migrations back to the previous version, dirty false, and migrate up again (see README, Database roles)', db, member);
    END IF;
END
$$;
