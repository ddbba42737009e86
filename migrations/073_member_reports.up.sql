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
