-- 073_member_reports: a member's report is asked for in two steps. The
-- context-menu command captures the reported message (an interaction
-- carries it even without the Message Content intent); the modal that asks
-- for a reason comes back without it. The captured message waits here as a
-- short-lived draft, keyed by a random nonce carried in the modal's signed
-- custom id, so that any process may serve the modal's submit. A submitted
-- draft is deleted; an abandoned one expires after 15 minutes (the life of
-- an interaction token) and is deleted by the next report. Runnable with
-- psql -f and safe to re-run.
CREATE TABLE IF NOT EXISTS report_drafts (
    nonce          text        PRIMARY KEY CHECK (nonce ~ '^[0-9a-f]{32}$'),
    guild_id       text        NOT NULL CHECK (guild_id ~ '^[0-9]{1,20}$'),
    reporter_id    text        NOT NULL CHECK (reporter_id ~ '^[0-9]{1,20}$'),
    target_user_id text        NOT NULL CHECK (target_user_id ~ '^[0-9]{1,20}$'),
    content_type   text        NOT NULL CHECK (content_type IN ('message_report', 'user_report')),
    channel_id     text        CHECK (channel_id ~ '^[0-9]{1,20}$'),
    message_id     text        CHECK (message_id ~ '^[0-9]{1,20}$'),
    excerpt        text        NOT NULL DEFAULT '' CHECK (length(excerpt) <= 500),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS report_drafts_expires_idx ON report_drafts (expires_at);
-- Erasure finds a member's drafts, as reporter or as reported member.
CREATE INDEX IF NOT EXISTS report_drafts_reporter_idx ON report_drafts (guild_id, reporter_id);
CREATE INDEX IF NOT EXISTS report_drafts_target_idx ON report_drafts (guild_id, target_user_id);

GRANT SELECT, INSERT, DELETE ON report_drafts TO embodied_app;

-- Erasure and reports. A report is a member's own action, not a staff
-- action kept whole for accountability: erasing the reporter pseudonymises
-- its audit record (actor, reason, and the flag id in its details), as
-- their data-rights requests are; the report itself stays, unattributed
-- (store.EraseMemberContent). A reason written about an erased member is
-- blanked when their flag's excerpt is, at review for a flag still waiting.
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
               AND coalesce(a.target_id, p_user) = p_user)
           OR (a.actor_id = p_user AND a.action_type = 'member-report'));
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
    NEW.report_reason := NULL;
    NEW.erase_on_review := false;
    RETURN NEW;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION content_flags_erase_on_review() SET search_path = %I, pg_temp', current_schema());
END
$$;
