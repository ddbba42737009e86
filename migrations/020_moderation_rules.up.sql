-- 020_moderation_rules: each guild's content-moderation rules (AutoMod-style
-- keywords, allow list, categories and their action, exempt roles, regexes),
-- and the term a content flag matched, for "dismiss and allow". Runnable with
-- psql -f and safe to re-run.

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

-- One row per guild that changed its rules. version goes up with every
-- change, so a process caching compiled rules can tell with one cheap
-- query that another process changed them.
CREATE TABLE IF NOT EXISTS moderation_settings (
    guild_id       text        PRIMARY KEY,
    version        bigint      NOT NULL DEFAULT 0,
    regex_category text        NOT NULL DEFAULT 'profanity'
        CHECK (regex_category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam')),
    regex_severity text        NOT NULL DEFAULT 'medium' CHECK (regex_severity IN ('low', 'medium', 'high', 'critical')),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS moderation_keywords (
    guild_id   text        NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    pattern    text        NOT NULL CHECK (length(pattern) BETWEEN 1 AND 60),
    category   text        NOT NULL CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam')),
    severity   text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, pattern)
);

CREATE TABLE IF NOT EXISTS moderation_allow (
    guild_id   text        NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    term       text        NOT NULL CHECK (length(term) BETWEEN 1 AND 60),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, term)
);

-- A category without a row is on, with the default action (refuse only at
-- critical severity).
CREATE TABLE IF NOT EXISTS moderation_categories (
    guild_id text    NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    category text    NOT NULL CHECK (category IN ('profanity', 'sexual', 'slur', 'insult', 'threat', 'pii', 'spam')),
    enabled  boolean NOT NULL,
    action   text    NOT NULL DEFAULT 'default' CHECK (action IN ('default', 'flag', 'refuse')),
    PRIMARY KEY (guild_id, category)
);

CREATE TABLE IF NOT EXISTS moderation_exempt_roles (
    guild_id   text        NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    role_id    text        NOT NULL CHECK (role_id ~ '^[0-9]{1,20}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, role_id)
);

CREATE TABLE IF NOT EXISTS moderation_regexes (
    guild_id   text        NOT NULL REFERENCES moderation_settings (guild_id) ON DELETE CASCADE,
    pattern    text        NOT NULL CHECK (length(pattern) BETWEEN 1 AND 260),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, pattern)
);

-- The word of the member's text that decided the flag (the most severe
-- match, widened to whole words), offered as an allow-list entry on review.
ALTER TABLE content_flags ADD COLUMN IF NOT EXISTS matched_term text;
ALTER TABLE content_flags DROP CONSTRAINT IF EXISTS content_flags_matched_term_check;
ALTER TABLE content_flags ADD CONSTRAINT content_flags_matched_term_check CHECK (length(matched_term) <= 100);

GRANT SELECT, INSERT, UPDATE ON moderation_settings TO embodied_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON moderation_keywords, moderation_allow, moderation_categories,
    moderation_exempt_roles, moderation_regexes TO embodied_app;
