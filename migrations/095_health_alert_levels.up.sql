-- 095_health_alert_levels: the alert level of each database-wide health
-- threshold (audit_log_rows, unreviewed_content_flags,
-- rate_limit_flagged_users, backup_size, backup_stale), shared by every
-- process on this database so that a change of level is notified once, not
-- once per process, and a steady level is never notified again after a
-- restart. level is the last level whose alert was delivered; a run that
-- sees another level claims the change (claim_level, claim_until) with one
-- compare-and-set statement, delivers the alert, then settles the claim:
-- level takes the claimed one when delivered, and the claim is dropped when
-- not, so the next run tries again. A claim left by a process that died
-- expires at claim_until. value and measured_at are the last measure, which
-- every process shows in /security status. Runnable with psql -f and safe
-- to re-run.
CREATE TABLE IF NOT EXISTS health_alert_levels (
    alert_key   text        PRIMARY KEY CHECK (alert_key ~ '^[a-z_]{1,64}$'),
    level       smallint    NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
    value       bigint      NOT NULL DEFAULT 0,
    measured_at timestamptz,
    changed_at  timestamptz,
    claim_level smallint    CHECK (claim_level BETWEEN 0 AND 2),
    claim_until timestamptz,
    CONSTRAINT health_alert_levels_claim CHECK ((claim_level IS NULL) = (claim_until IS NULL))
);

GRANT SELECT, INSERT, UPDATE ON health_alert_levels TO embodied_app;
