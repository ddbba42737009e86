-- 001_baseline: the host bot's member data, the ten categories of the GDPR
-- export (with the warnings and audit log of 010). Every row belongs to a
-- guild; every query is scoped by guild_id. Ids are Discord snowflakes kept as
-- text, as Discord sends them. Runnable with psql -f and safe to re-run.

-- The application role the bot connects as (through a LOGIN role that is a
-- member of it). Migrations run as the schema owner.
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

CREATE TABLE IF NOT EXISTS member_profiles (
    guild_id        text        NOT NULL,
    user_id         text        NOT NULL,
    xp              bigint      NOT NULL DEFAULT 0 CHECK (xp >= 0),
    level           integer     NOT NULL DEFAULT 0 CHECK (level >= 0),
    streak_days     integer     NOT NULL DEFAULT 0 CHECK (streak_days >= 0),
    last_active_day date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE IF NOT EXISTS stats_submissions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    day         date        NOT NULL,
    approaches  integer     NOT NULL DEFAULT 0 CHECK (approaches BETWEEN 0 AND 1000),
    contacts    integer     NOT NULL DEFAULT 0 CHECK (contacts BETWEEN 0 AND 1000),
    dates       integer     NOT NULL DEFAULT 0 CHECK (dates BETWEEN 0 AND 1000),
    xp_awarded  integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS stats_submissions_member_idx ON stats_submissions (guild_id, user_id, day DESC);

CREATE TABLE IF NOT EXISTS daily_records (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    day         date        NOT NULL,
    note        text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (guild_id, user_id, day)
);

CREATE TABLE IF NOT EXISTS tenseys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    description text        NOT NULL CHECK (length(description) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tenseys_member_idx ON tenseys (guild_id, user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS barbie_list (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    notes       text        NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS barbie_list_member_idx ON barbie_list (guild_id, user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS journal_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    content     text        NOT NULL CHECK (length(content) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS journal_entries_member_idx ON journal_entries (guild_id, user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS course_progress (
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    module       text        NOT NULL CHECK (length(module) BETWEEN 1 AND 100),
    completed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id, module)
);

CREATE TABLE IF NOT EXISTS duels (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      text        NOT NULL,
    challenger_id text        NOT NULL,
    opponent_id   text        NOT NULL CHECK (opponent_id <> challenger_id),
    stake_xp      integer     NOT NULL DEFAULT 0 CHECK (stake_xp BETWEEN 0 AND 10000),
    status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined', 'finished')),
    winner_id     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz
);
CREATE INDEX IF NOT EXISTS duels_challenger_idx ON duels (guild_id, challenger_id);
CREATE INDEX IF NOT EXISTS duels_opponent_idx ON duels (guild_id, opponent_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON
    member_profiles, stats_submissions, daily_records, tenseys, barbie_list,
    journal_entries, course_progress, duels
TO embodied_app;

-- Let the bot check at start-up that the schema is current.
DO $$
BEGIN
    IF to_regclass('schema_migrations') IS NOT NULL THEN
        GRANT SELECT ON schema_migrations TO embodied_app;
    END IF;
END
$$;
