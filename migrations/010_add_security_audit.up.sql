-- 010_add_security_audit: the Phase 11 security and operations tables.
-- Runnable on its own with psql -f, safe to re-run, well under a second on an
-- empty database.

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

-- Every moderator and admin action (adjust-xp, warn, pardon, backup, export…).
CREATE TABLE IF NOT EXISTS audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    action_type text        NOT NULL CHECK (action_type ~ '^[a-z][a-z0-9_-]{0,63}$'),
    actor_id    text        NOT NULL,
    target_id   text,
    reason      text        CHECK (length(reason) <= 1000),
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_log_guild_recent_idx ON audit_log (guild_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action_type, created_at DESC);
CREATE INDEX IF NOT EXISTS audit_log_target_idx ON audit_log (guild_id, target_id);

-- Strikes. Active strikes are the unpardoned ones whose expires_at is ahead.
CREATE TABLE IF NOT EXISTS user_warnings (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    moderator_id text        NOT NULL,
    reason       text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    severity     text        NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL DEFAULT now() + interval '30 days',
    CHECK (expires_at > created_at)
);
CREATE INDEX IF NOT EXISTS user_warnings_member_recent_idx ON user_warnings (guild_id, user_id, created_at DESC);

-- Timeouts and bans, enforced or (in safe mode) only recorded.
CREATE TABLE IF NOT EXISTS user_moderation (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    action       text        NOT NULL CHECK (action IN ('warning', 'timeout', 'ban', 'untimeout', 'unban')),
    moderator_id text        NOT NULL,
    reason       text        NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    enforced     boolean     NOT NULL DEFAULT false,
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS user_moderation_member_idx ON user_moderation (guild_id, user_id, created_at DESC);

-- One row per user, command and hour, with a count: a burst is one upsert.
CREATE TABLE IF NOT EXISTS rate_limit_violations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    command_name text        NOT NULL,
    window_start timestamptz NOT NULL,
    count        integer     NOT NULL DEFAULT 1 CHECK (count > 0),
    first_at     timestamptz NOT NULL DEFAULT now(),
    last_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (guild_id, user_id, command_name, window_start)
);
CREATE INDEX IF NOT EXISTS rate_limit_violations_recent_idx ON rate_limit_violations (guild_id, window_start DESC);

-- Free text the content moderator flagged, waiting for review.
CREATE TABLE IF NOT EXISTS content_flags (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    content_type text        NOT NULL,
    flag_reason  text        NOT NULL,
    category     text,
    severity     text        NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    excerpt      text        NOT NULL DEFAULT '' CHECK (length(excerpt) <= 500),
    status       text        NOT NULL DEFAULT 'unreviewed' CHECK (status IN ('unreviewed', 'dismissed', 'confirmed')),
    reviewed_by  text,
    reviewed_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS content_flags_unreviewed_idx ON content_flags (guild_id, created_at) WHERE status = 'unreviewed';
CREATE INDEX IF NOT EXISTS content_flags_member_idx ON content_flags (guild_id, user_id);

-- The bot appends to the audit log; it never rewrites it.
GRANT SELECT, INSERT ON audit_log TO embodied_app;
GRANT SELECT, INSERT, UPDATE ON user_warnings, user_moderation, rate_limit_violations, content_flags TO embodied_app;

DO $$
BEGIN
    RAISE NOTICE 'Migration 010_add_security_audit.sql completed successfully';
END
$$;
