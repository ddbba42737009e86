-- 050_rollout_records down: the rollout records go; nothing else reads them.
DROP TABLE IF EXISTS smoke_runs;
DROP TABLE IF EXISTS health_runs;
