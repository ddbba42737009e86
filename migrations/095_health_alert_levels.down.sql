-- 095_health_alert_levels down: forgets the shared alert levels; a binary
-- before 095 keeps its levels in memory again (one alert per process).
DROP TABLE IF EXISTS health_alert_levels;
