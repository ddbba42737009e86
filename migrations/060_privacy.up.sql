-- 060_privacy: GDPR export and erasure. Runnable with psql -f and safe to
-- re-run.
--
-- The export reads a member's rows by guild and user, actor or target; the
-- audit log had no index by actor.
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (guild_id, actor_id);
CREATE INDEX IF NOT EXISTS security_audit_logs_target_idx ON security_audit_logs (target_id, created_at DESC);

-- Erasure of a member's audit records. The application role may not update
-- audit_log; this function, owned by the schema owner, does the one update
-- the append-only trigger allows: it replaces the member's id (as actor or
-- target) by a pseudonym, blanks the reason, keeps only non-personal detail
-- keys, and drops the salt so the old content cannot be confirmed by
-- guessing. seq, hashes, content_digest, guild, action and time stay, so the
-- hash chain still verifies. p_guild NULL means every guild.
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
-- A SECURITY DEFINER function must not resolve names through a schema or
-- temporary table the caller controls: pin it to the tables' schema.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION privacy_erase_audit(text, text, text) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE ALL ON FUNCTION privacy_erase_audit(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION privacy_erase_audit(text, text, text) TO embodied_app;
