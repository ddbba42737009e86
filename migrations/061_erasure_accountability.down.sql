-- 061_erasure_accountability down: 060's erasure of audit records (which
-- pseudonymises the member as actor too) and no deferred flag erasure.
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
      AND (a.actor_id = p_user OR a.target_id = p_user);
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('embodied.audit_erasure', 'off', true);
    RETURN n;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION privacy_erase_audit(text, text, text) SET search_path = %I, pg_temp', current_schema());
END
$$;
DROP TRIGGER IF EXISTS content_flags_erase_on_review ON content_flags;
DROP FUNCTION IF EXISTS content_flags_erase_on_review();
ALTER TABLE content_flags DROP COLUMN IF EXISTS erase_on_review;
