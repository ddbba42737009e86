-- 083_lockdown down: forgets the locked channels. Unlock every channel
-- first (/security unlock): a channel still locked keeps its overwrite in
-- Discord, and its original is lost with this table.
DROP TABLE IF EXISTS channel_lockdowns;
