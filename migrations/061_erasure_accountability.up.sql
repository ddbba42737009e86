-- 061_erasure_accountability: erasure never erases accountability.
-- Runnable with psql -f and safe to re-run.
--
-- 060's privacy_erase_audit replaced the member's id everywhere, so a
-- moderator who erased their data also wiped the actor of every staff action
-- they took. GDPR Art. 17(3)(b) and (e) let the controller keep what a legal
-- obligation or the establishment, exercise or defence of legal claims needs:
-- the records of staff actions are kept whole.

-- A flag still waiting for review keeps its excerpt (the review needs the
-- evidence); the erasure marks it, and the review blanks it.
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS erase_on_review boolean NOT NULL DEFAULT false;

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
DROP TRIGGER IF EXISTS content_flags_erase_on_review ON content_flags;
CREATE TRIGGER content_flags_erase_on_review BEFORE UPDATE ON content_flags FOR EACH ROW
    WHEN (NEW.erase_on_review AND NEW.status <> 'unreviewed') EXECUTE FUNCTION content_flags_erase_on_review();

-- Erasure of a member's audit records (p_guild NULL means every guild):
--   - records of staff actions the member took (any record with them as
--     actor but their own data-rights requests, a pardon of their own strike
--     included) are not touched: actor, action,
--     target, reason, details and salt stay, so their content digest still
--     verifies and nobody can rewrite them through an erasure;
--   - records about the member (as target) and of their own data-rights
--     requests (gdpr_export or gdpr_erasure on themselves) get the member's
--     id replaced by the pseudonym, the reason blanked, only non-personal
--     detail keys kept, and the salt dropped so the old content cannot be
--     confirmed by guessing. The actor of a staff action on the member stays.
-- seq, hashes, content_digest, guild, action and time never change, so the
-- hash chain still verifies. Returns the number of records changed.
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
