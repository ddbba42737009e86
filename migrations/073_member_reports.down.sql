-- 073_member_reports down: drafts are transient, nothing is lost but
-- reports a member has not submitted yet; erasure goes back to 061's
-- (a reporter's audit records kept whole, a report's reason kept).
DROP TABLE IF EXISTS report_drafts;
CREATE OR REPLACE FUNCTION privacy_erase_audit(p_guild text, p_user text, p_pseudonym text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    n bigint;
BEGIN
    IF p_user IS NULL OR p_user = '' OR p_pseudonym IS NULL OR p_pseudonym !~ '^erased-[0-9a-f]{8,32}$' THEN
        RAISE EXCEPTION 'privacy_erase_audit: bad arguments' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('embodied.audit_erasure', 'on', true);
    UPDATE audit_log a SET
        actor_id  = CASE WHEN a.actor_id = p_user THEN p_pseudonym ELSE a.actor_id END,
        target_id = CASE WHEN a.target_id = p_user THEN p_pseudonym ELSE a.target_id END,
        reason    = NULL,
        details   = (SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb)
                     FROM jsonb_each(a.details) d
                     WHERE d.key IN ('command', 'phase', 'ok', 'intentId', 'durationMs', 'interactionId')),
        salt      = NULL,
        erased_at = now()
    WHERE (p_guild IS NULL OR a.guild_id = p_guild)
      AND ((a.target_id = p_user AND a.actor_id <> p_user)
           OR (a.actor_id = p_user AND a.action_type IN ('gdpr_export', 'gdpr_erasure')
               AND coalesce(a.target_id, p_user) = p_user));
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('embodied.audit_erasure', 'off', true);
    RETURN n;
END
$$;
-- CREATE OR REPLACE resets the function's settings: pin it again to the
-- tables' schema, pg_temp last, so that no schema or temporary table the
-- caller controls is resolved in its place.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION privacy_erase_audit(text, text, text) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE ALL ON FUNCTION privacy_erase_audit(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION privacy_erase_audit(text, text, text) TO embodied_app;
CREATE OR REPLACE FUNCTION content_flags_erase_on_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.excerpt := '';
    NEW.erase_on_review := false;
    RETURN NEW;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION content_flags_erase_on_review() SET search_path = %I, pg_temp', current_schema());
END
$$;
