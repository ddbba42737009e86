-- 062_audit_chain_hardening down: the chain's triggers resolve names
-- through the caller's search_path again, and PUBLIC gets back the
-- TEMPORARY privilege every new database grants it.
DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('ALTER FUNCTION %I.audit_log_chain() RESET search_path', s);
    EXECUTE format('ALTER FUNCTION %I.audit_append_only() RESET search_path', s);
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
