-- 011_pipeline_audit: the command pipeline's security events (after seed
-- 004's security_audit_logs), a tamper-evident, append-only audit_log, and
-- the bot's own settings. Runnable with psql -f and safe to re-run.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'embodied_app') THEN
        BEGIN
            CREATE ROLE embodied_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role embodied_app does not exist and % may not create it', current_user
                USING HINT = 'as a superuser run: CREATE ROLE embodied_app NOLOGIN; GRANT embodied_app TO <the bot''s login role> (see README, Database roles)';
        END;
    END IF;
END
$$;

-- Refused attempts: permission denials, cross-guild access, forged buttons…
-- 10 columns, 5 indexes, severity CHECK, row-level security.
CREATE TABLE IF NOT EXISTS security_audit_logs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    event_type  text        NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_]{0,63}$'),
    severity    text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    guild_id    text,
    actor_id    text,
    target_id   text,
    attempted   text        NOT NULL DEFAULT '' CHECK (length(attempted) <= 500),
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS security_audit_logs_created_idx ON security_audit_logs (created_at DESC);
CREATE INDEX IF NOT EXISTS security_audit_logs_guild_idx ON security_audit_logs (guild_id, created_at DESC);
CREATE INDEX IF NOT EXISTS security_audit_logs_type_idx ON security_audit_logs (event_type, created_at DESC);
CREATE INDEX IF NOT EXISTS security_audit_logs_severity_idx ON security_audit_logs (severity, created_at DESC);
CREATE INDEX IF NOT EXISTS security_audit_logs_actor_idx ON security_audit_logs (actor_id, created_at DESC);

ALTER TABLE security_audit_logs ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS security_audit_logs_app_read ON security_audit_logs;
CREATE POLICY security_audit_logs_app_read ON security_audit_logs FOR SELECT TO embodied_app USING (true);
DROP POLICY IF EXISTS security_audit_logs_app_insert ON security_audit_logs;
CREATE POLICY security_audit_logs_app_insert ON security_audit_logs FOR INSERT TO embodied_app WITH CHECK (true);
GRANT SELECT, INSERT ON security_audit_logs TO embodied_app;

-- The audit log's hash chain. Each row's row_hash covers the previous row's
-- hash, its position (seq), guild, action, time and a salted digest of the
-- personal part (actor, target, reason, details). Erasing a member's data
-- blanks the personal part and its salt but keeps content_digest, so the
-- chain still verifies and the erased ids cannot be recovered by guessing.
-- Archiving old rows records a checkpoint that verification starts from.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS event_id uuid;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS seq bigint;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS salt bytea;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS content_digest bytea;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS prev_hash bytea;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS row_hash bytea;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS erased_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS audit_log_event_id_idx ON audit_log (event_id);
CREATE UNIQUE INDEX IF NOT EXISTS audit_log_seq_idx ON audit_log (seq);

CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq        bigint      PRIMARY KEY,
    row_hash   bytea       NOT NULL,
    rows       bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON audit_checkpoints TO embodied_app;

CREATE OR REPLACE FUNCTION audit_content_digest(salt bytea, actor_id text, target_id text, reason text, details jsonb)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(salt || convert_to(concat_ws(chr(31), actor_id, coalesce(target_id, ''), coalesce(reason, ''), details::text), 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION audit_row_hash(prev_hash bytea, seq bigint, guild_id text, action_type text, created_at timestamptz, content_digest bytea)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev_hash || convert_to(concat_ws(chr(31), seq::text, guild_id, action_type,
        (extract(epoch FROM created_at) * 1000000)::bigint::text), 'UTF8') || content_digest)
$$;

-- Chains each new row under a transaction-scoped lock, so that any number of
-- processes and pools appending at once produce one valid chain.
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq  bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(7016001);
    SELECT a.seq, a.row_hash INTO last_seq, last_hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        SELECT c.seq, c.row_hash INTO last_seq, last_hash FROM audit_checkpoints c ORDER BY c.seq DESC LIMIT 1;
    END IF;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, '\x'::bytea);
    NEW.event_id := coalesce(NEW.event_id, gen_random_uuid());
    NEW.created_at := date_trunc('microseconds', coalesce(NEW.created_at, now()));
    NEW.salt := uuid_send(gen_random_uuid());
    NEW.erased_at := NULL;
    NEW.content_digest := audit_content_digest(NEW.salt, NEW.actor_id, NEW.target_id, NEW.reason, NEW.details);
    NEW.row_hash := audit_row_hash(NEW.prev_hash, NEW.seq, NEW.guild_id, NEW.action_type, NEW.created_at, NEW.content_digest);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS audit_log_chain ON audit_log;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Append-only: UPDATE and DELETE are refused for everyone, the owner
-- included, except the two audited maintenance paths, which set a
-- transaction-local flag: erasure (blanking the personal part only) and
-- archiving (deleting rows below a checkpoint).
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('embodied.audit_erasure', true) = 'on'
       AND NEW.seq = OLD.seq AND NEW.row_hash = OLD.row_hash AND NEW.prev_hash = OLD.prev_hash
       AND NEW.content_digest = OLD.content_digest AND NEW.guild_id = OLD.guild_id
       AND NEW.action_type = OLD.action_type AND NEW.created_at = OLD.created_at THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('embodied.audit_archive', true) = 'on'
       AND EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.seq >= OLD.seq) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP TRIGGER IF EXISTS security_audit_logs_append_only ON security_audit_logs;
CREATE TRIGGER security_audit_logs_append_only BEFORE UPDATE OR DELETE ON security_audit_logs FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Settings the bot generates once and keeps (e.g. the component signing key).
CREATE TABLE IF NOT EXISTS bot_settings (
    key        text        PRIMARY KEY,
    value      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON bot_settings TO embodied_app;
