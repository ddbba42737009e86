-- 030_strikes: the warning system's strikes. Per-guild case numbers, exactly
-- once warnings (the interaction id is unique), pardons, the DM outcome, the
-- link from a timeout or ban to the warning that caused it, and the optional
-- mod-log channel. Runnable with psql -f and safe to re-run.

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

ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS case_number bigint;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS interaction_id text;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS pardoned_at timestamptz;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS pardoned_by text;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS pardon_reason text;
ALTER TABLE user_warnings ADD COLUMN IF NOT EXISTS dm_status text NOT NULL DEFAULT 'pending';

ALTER TABLE user_warnings DROP CONSTRAINT IF EXISTS user_warnings_dm_status_check;
ALTER TABLE user_warnings ADD CONSTRAINT user_warnings_dm_status_check
    CHECK (dm_status IN ('pending', 'sent', 'closed', 'failed'));
-- A pardon names who and why, or nothing at all.
ALTER TABLE user_warnings DROP CONSTRAINT IF EXISTS user_warnings_pardon_check;
ALTER TABLE user_warnings ADD CONSTRAINT user_warnings_pardon_check
    CHECK ((pardoned_at IS NULL) = (pardoned_by IS NULL) AND (pardoned_at IS NULL) = (pardon_reason IS NULL)
           AND length(pardon_reason) BETWEEN 1 AND 1000);

-- Warnings from before this migration get case numbers in the order given.
UPDATE user_warnings w SET case_number = n.n
FROM (SELECT id, row_number() OVER (PARTITION BY guild_id ORDER BY created_at, id) AS n FROM user_warnings) n
WHERE w.id = n.id AND NOT EXISTS (SELECT 1 FROM user_warnings x WHERE x.guild_id = w.guild_id AND x.case_number IS NOT NULL);

-- A redelivered interaction can never add a second strike.
CREATE UNIQUE INDEX IF NOT EXISTS user_warnings_interaction_idx ON user_warnings (interaction_id);
CREATE UNIQUE INDEX IF NOT EXISTS user_warnings_case_idx ON user_warnings (guild_id, case_number);
CREATE INDEX IF NOT EXISTS user_warnings_active_idx ON user_warnings (guild_id, user_id, expires_at) WHERE pardoned_at IS NULL;

-- The last case number given in each guild.
CREATE TABLE IF NOT EXISTS guild_case_counters (
    guild_id  text   PRIMARY KEY,
    last_case bigint NOT NULL CHECK (last_case > 0)
);
INSERT INTO guild_case_counters (guild_id, last_case)
SELECT guild_id, max(case_number) FROM user_warnings WHERE case_number IS NOT NULL GROUP BY guild_id
ON CONFLICT (guild_id) DO UPDATE SET last_case = GREATEST(guild_case_counters.last_case, EXCLUDED.last_case);

-- Which warning caused a timeout or ban, and what became of it: pending
-- (recorded before Discord is asked), applied, failed (Discord refused),
-- simulated (safe mode).
ALTER TABLE user_moderation ADD COLUMN IF NOT EXISTS warning_id bigint REFERENCES user_warnings (id) ON DELETE SET NULL;
ALTER TABLE user_moderation ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'applied';
ALTER TABLE user_moderation ADD COLUMN IF NOT EXISTS error text;
ALTER TABLE user_moderation DROP CONSTRAINT IF EXISTS user_moderation_status_check;
ALTER TABLE user_moderation ADD CONSTRAINT user_moderation_status_check
    CHECK (status IN ('pending', 'applied', 'failed', 'simulated') AND length(error) <= 1000);
CREATE INDEX IF NOT EXISTS user_moderation_warning_idx ON user_moderation (warning_id);

-- Per-guild warning-system settings: where warnings, pardons and actions
-- are posted.
CREATE TABLE IF NOT EXISTS guild_strike_settings (
    guild_id           text        PRIMARY KEY,
    mod_log_channel_id text,
    updated_by         text        NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON guild_case_counters, guild_strike_settings TO embodied_app;
