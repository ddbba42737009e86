-- 093_gateway_identifies down: forgets when the identify buckets last
-- identified; stop every gateway process first, or two may identify within
-- 5 seconds after the table is back.
DROP TABLE IF EXISTS gateway_identifies;
