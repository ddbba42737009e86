-- 062_audit_chain_hardening down: the chain's functions resolve names
-- through the caller's search_path again, and PUBLIC gets back the
-- TEMPORARY privilege every new database grants it.
DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('ALTER FUNCTION %I.audit_log_chain() RESET search_path', s);
    EXECUTE format('ALTER FUNCTION %I.audit_append_only() RESET search_path', s);
    EXECUTE format('ALTER FUNCTION %I.audit_content_digest(bytea, text, text, text, jsonb) RESET search_path', s);
    EXECUTE format('ALTER FUNCTION %I.audit_row_hash(bytea, bigint, text, text, timestamptz, bytea) RESET search_path', s);
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;
