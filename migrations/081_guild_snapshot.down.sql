-- 081_guild_snapshot down.
DROP TABLE IF EXISTS guild_snapshot;
