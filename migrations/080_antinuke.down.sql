-- 080_antinuke down.
DROP TABLE IF EXISTS antinuke_incidents;
DROP TABLE IF EXISTS antinuke_trusted;
DROP TABLE IF EXISTS antinuke_limits;
